/**
 * The coordinator's check of a complete rendezvous, before any rank gets the peer table: in a job
 * spanning several hosts every rank must be reachable from the others. Pure.
 *
 * Refused (E_USAGE, one line, sent to every rank as the shutdown reason):
 *  - a rank listening on ipc only (--transport ipc) while ranks run on several hosts;
 *  - a rank announcing a loopback tcp address while ranks run on several hosts
 *    (launch/bind-address.ts: checkAnnouncedAddresses), e.g. a host whose name resolves to 127.0.1.1.
 * Ranks that announced no host id are not counted as hosts: nothing is refused on a guess.
 */
import { DynpipeError } from '../errors.js';
import { checkAnnouncedAddresses, type Announcement } from '../launch/bind-address.js';
import { hostKey } from '../launch/host-id.js';
import type { RegisterInfo } from '../transport/control.js';
import { parseEndpoint } from '../transport/endpoints.js';

export function checkRendezvous(registered: ReadonlyMap<number, RegisterInfo>): void {
  const known = [...registered].filter(([, info]) => info.hostId !== undefined).sort(([a], [b]) => a - b);
  const hosts = new Set(known.map(([, info]) => hostKey(info.hostId!)));
  if (hosts.size < 2) return;
  const announced: Announcement[] = [];
  for (const [rank, info] of known) {
    const e = parseEndpoint(info.endpoint, `endpoint of rank ${rank}`);
    if (e.transport === 'ipc') {
      throw new DynpipeError('E_USAGE', `rank ${rank} listens on ipc only (${info.endpoint}) but ranks run on ${hosts.size} hosts; start it with --transport auto or tcp`);
    }
    announced.push({ rank, hostKey: hostKey(info.hostId!), address: e.host });
  }
  checkAnnouncedAddresses(announced);
}
