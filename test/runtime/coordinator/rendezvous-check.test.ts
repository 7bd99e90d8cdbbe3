import { strict as assert } from 'node:assert';
import { checkRendezvous } from '../../../runtime/coordinator/rendezvous-check.js';
import type { HostId } from '../../../runtime/launch/host-id.js';
import type { RegisterInfo } from '../../../runtime/transport/control.js';
import { throwsOneLine } from '../launch/helpers.js';

const host = (netns: string): HostId => ({ hostname: 'vm', bootId: 'b', netns });

function reg(entries: Array<[string, HostId | undefined]>): Map<number, RegisterInfo> {
  return new Map(entries.map(([endpoint, hostId], rank) => [rank, { endpoint, host: 'vm', pid: 100 + rank, ...(hostId ? { hostId } : {}) }]));
}

describe('rendezvous check', () => {
  it('accepts loopback and ipc-only ranks when all run on one host', () => {
    checkRendezvous(reg([['tcp://127.0.0.1:5000', host('n1')], ['ipc:///tmp/dynpipe-j/r1.sock', host('n1')]]));
  });

  it('accepts routable addresses on several hosts', () => {
    checkRendezvous(reg([['tcp://192.0.2.101:5000', host('n1')], ['tcp://192.0.2.102:5001', host('n2')]]));
  });

  it('refuses a loopback announcement when ranks span two hosts, naming the rank', () => {
    throwsOneLine(
      () => checkRendezvous(reg([['tcp://192.0.2.101:5000', host('n1')], ['tcp://127.0.0.1:5001', host('n2')]])),
      'E_USAGE', 'rank 1 announced loopback address 127.0.0.1 but ranks run on 2 hosts',
    );
  });

  it('refuses an ipc-only rank when ranks span two hosts', () => {
    throwsOneLine(
      () => checkRendezvous(reg([['tcp://192.0.2.101:5000', host('n1')], ['ipc:///tmp/dynpipe-j/r1.sock', host('n2')]])),
      'E_USAGE', 'rank 1 listens on ipc only (ipc:///tmp/dynpipe-j/r1.sock) but ranks run on 2 hosts',
    );
  });

  it('does not count ranks without a host id as hosts: nothing is refused on a guess', () => {
    assert.doesNotThrow(() => checkRendezvous(reg([['tcp://127.0.0.1:5000', host('n1')], ['tcp://127.0.0.1:5001', undefined]])));
  });
});
