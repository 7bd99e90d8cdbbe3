import { strict as assert } from 'node:assert';
import type { HostId } from '../../../runtime/launch/host-id.js';
import { describeRoutes, routePeers } from '../../../runtime/worker/peer-routes.js';
import type { Rendezvous } from '../../../runtime/transport/control.js';
import { throwsOneLine } from '../launch/helpers.js';

const hostA: HostId = { hostname: 'a', bootId: 'boot-1', netns: 'net:[100]' };
const hostB: HostId = { hostname: 'b', bootId: 'boot-1', netns: 'net:[200]' }; // same kernel, other namespace
const unknown: HostId = { hostname: 'a', bootId: '', netns: 'net:[100]' };

const tcp = (r: number) => `tcp://192.0.2.${100 + r}:${5000 + r}`;
const ipc = (r: number) => `ipc:///tmp/dynpipe-j/r${r}.sock`;

function table(hosts: Array<HostId | undefined>, opts: { ipcOnly?: number[] } = {}): Rendezvous {
  const ipcOnly = new Set(opts.ipcOnly ?? []);
  return {
    endpoints: new Map(hosts.map((_, r) => [r, ipcOnly.has(r) ? ipc(r) : tcp(r)])),
    hosts: new Map(hosts.flatMap((h, r) => (h ? [[r, ipcOnly.has(r) ? { hostId: h } : { hostId: h, ipcEndpoint: ipc(r) }]] : []))),
  };
}

describe('peer routes', () => {
  it('dials ipc to ranks on the same kernel and namespace and tcp to every other rank', () => {
    const routes = routePeers(0, hostA, table([hostA, hostA, hostB, hostB]));
    assert.deepEqual([...routes], [
      [1, { endpoint: ipc(1), transport: 'ipc' }],
      [2, { endpoint: tcp(2), transport: 'tcp' }],
      [3, { endpoint: tcp(3), transport: 'tcp' }],
    ]);
    assert.equal(describeRoutes(routes), 'ipc to rank 1; tcp to ranks 2, 3');
  });

  it('falls back to tcp when either host id is unknown, and to the announced endpoint when a peer sent no host', () => {
    assert.deepEqual([...routePeers(0, unknown, table([unknown, hostA]))], [[1, { endpoint: tcp(1), transport: 'tcp' }]]);
    assert.deepEqual([...routePeers(0, hostA, table([hostA, unknown]))], [[1, { endpoint: tcp(1), transport: 'tcp' }]]);
    assert.deepEqual([...routePeers(0, hostA, table([hostA, undefined]))], [[1, { endpoint: tcp(1), transport: 'tcp' }]]);
  });

  it('dials an ipc-only peer on its host, and refuses one on another host naming both ranks', () => {
    assert.deepEqual([...routePeers(0, hostA, table([hostA, hostA], { ipcOnly: [1] }))], [[1, { endpoint: ipc(1), transport: 'ipc' }]]);
    throwsOneLine(() => routePeers(0, hostA, table([hostA, hostB], { ipcOnly: [1] })), 'E_USAGE', 'rank 0 on a cannot reach rank 1 on b: rank 1 listens on ipc only');
  });

  it('describes a rank with no peers', () => {
    assert.equal(describeRoutes(routePeers(0, hostA, table([hostA]))), 'no peers');
  });
});
