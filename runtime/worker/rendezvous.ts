/**
 * A rank's side of joining the job: bind its data socket where its peers can reach it, announce
 * that and its host at rendezvous, and work out how to dial every peer (peer-routes.ts).
 *
 * Binding: the one PULL socket binds a tcp port on `tcp.host` (the address that reaches the
 * coordinator, launch/bind-address.ts) for ranks on other hosts, and an ipc path for ranks on this
 * host; either may be left out (--transport tcp / ipc). The tcp endpoint, when bound, is the one
 * announced to everyone; the ipc one goes beside it with this rank's host id.
 */
import { DynpipeError } from '../errors.js';
import { localHostId, type HostId } from '../launch/host-id.js';
import type { ControlClient } from '../transport/control.js';
import { DataPlane } from '../transport/data-plane.js';
import type { CurveKeys } from '../transport/curve-keys.js';
import { ipcEndpoint, parseEndpoint, tcpEndpoint } from '../transport/endpoints.js';
import { describeRoutes, routePeers } from './peer-routes.js';

/** Where a rank's data socket listens; at least one of the two. */
export interface DataBind {
  /** An ipc path named after the job id (transport/endpoints.ts: ipcEndpoint). */
  ipc?: { jobId: string };
  /** An ephemeral tcp port on this host address. */
  tcp?: { host: string };
}

/**
 * Opens `rank`'s data plane at `planVersion` on the addresses of `bind` (tcp first, so it is
 * `plane.endpoint`); with `curve`, only peers holding the job's key pair get through.
 */
export async function openDataPlane(rank: number, bind: DataBind, planVersion: number, onReject: (e: DynpipeError) => void, curve?: CurveKeys): Promise<DataPlane> {
  const addresses = [...(bind.tcp ? [tcpEndpoint(bind.tcp.host, 0)] : []), ...(bind.ipc ? [ipcEndpoint(bind.ipc.jobId, rank)] : [])];
  if (addresses.length === 0) throw new DynpipeError('E_USAGE', `rank ${rank}: no data transport to bind (neither ipc nor tcp)`);
  return DataPlane.open({ rank, bindAddress: addresses[0], alsoBind: addresses.slice(1), planVersion, onReject, curve });
}

export interface JoinOptions {
  timeoutMs: number;
  /** This process's host; default localHostId(). */
  hostId?: HostId;
  say(line: string): void;
}

/**
 * Registers `plane`'s endpoints and host with the coordinator and returns, for every other rank, the
 * endpoint to dial. Rejects with the coordinator's reason if it refuses the job at rendezvous.
 */
export async function joinJob(control: ControlClient, plane: DataPlane, o: JoinOptions): Promise<Map<number, string>> {
  const hostId = o.hostId ?? localHostId();
  const ipc = [plane.endpoint, ...plane.alsoEndpoints].find((e) => parseEndpoint(e).transport === 'ipc');
  const table = await control.join(
    { endpoint: plane.endpoint, host: hostId.hostname || 'unknown', pid: process.pid, hostId, ...(ipc !== undefined && ipc !== plane.endpoint ? { ipcEndpoint: ipc } : {}) },
    o.timeoutMs,
  );
  const routes = routePeers(control.rank, hostId, table);
  o.say(`rank ${control.rank} on ${hostId.hostname} at ${plane.endpoint}: ${describeRoutes(routes)}`);
  return new Map([...routes].map(([rank, r]) => [rank, r.endpoint]));
}
