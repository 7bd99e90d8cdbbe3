/**
 * Which address a rank dials for each peer, from the rendezvous table: the peer's ipc endpoint when
 * both run on the same host (same kernel and network namespace, see launch/host-id.ts) and the peer
 * bound one; otherwise the endpoint it announced for everyone (tcp). Pure: no sockets, no /proc.
 */
import { DynpipeError } from '../errors.js';
import { chooseTransport, type HostId, type Transport } from '../launch/host-id.js';
import type { Rendezvous } from '../transport/control.js';
import { parseEndpoint } from '../transport/endpoints.js';

export interface PeerRoute {
  endpoint: string;
  transport: Transport;
}

/**
 * Routes from rank `me` (on host `mine`) to every other rank of `table`. A peer that listens on ipc
 * only (started with --transport ipc) but runs on another host cannot be reached: E_USAGE naming
 * both ranks. A peer that announced no host keeps its announced endpoint (older ranks).
 */
export function routePeers(me: number, mine: HostId, table: Rendezvous): Map<number, PeerRoute> {
  const routes = new Map<number, PeerRoute>();
  for (const [rank, endpoint] of table.endpoints) {
    if (rank === me) continue;
    const host = table.hosts.get(rank);
    const sameHost = host !== undefined && chooseTransport(mine, host.hostId) === 'ipc';
    if (sameHost && host.ipcEndpoint !== undefined) {
      routes.set(rank, { endpoint: host.ipcEndpoint, transport: 'ipc' });
      continue;
    }
    const transport = parseEndpoint(endpoint, `endpoint of rank ${rank}`).transport;
    if (transport === 'ipc' && host !== undefined && !sameHost) {
      throw new DynpipeError(
        'E_USAGE',
        `rank ${me} on ${mine.hostname} cannot reach rank ${rank} on ${host.hostId.hostname}: rank ${rank} listens on ipc only (${endpoint}); start it with --transport auto or tcp`,
      );
    }
    routes.set(rank, { endpoint, transport });
  }
  return routes;
}

/** One line for the log: 'ipc to ranks 1, 3; tcp to ranks 0, 2' (transports with no rank left out). */
export function describeRoutes(routes: ReadonlyMap<number, PeerRoute>): string {
  const parts: string[] = [];
  for (const t of ['ipc', 'tcp'] as const) {
    const ranks = [...routes].filter(([, r]) => r.transport === t).map(([rank]) => rank).sort((x, y) => x - y);
    if (ranks.length > 0) parts.push(`${t} to rank${ranks.length > 1 ? 's' : ''} ${ranks.join(', ')}`);
  }
  return parts.join('; ') || 'no peers';
}
