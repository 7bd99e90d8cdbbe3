/**
 * Rendezvous with host ids: ranks announce their host and an ipc endpoint beside their tcp one; the
 * peer table carries both back, so each rank can pick ipc for same-host peers (worker/peer-routes.ts).
 */
import { strict as assert } from 'node:assert';
import { ControlClient, ControlServer } from '../../../runtime/transport/control.js';
import { decodeControl, encodeControl } from '../../../runtime/transport/control-messages.js';
import { DynpipeError } from '../../../runtime/errors.js';
import { RejectLog, dynpipeError, uniqueBindAddress } from './helpers.js';

const hostId = { hostname: 'vm', bootId: '8f1c', netns: 'net:[4026531840]' };

describe('control channel: join with host ids', () => {
  let server: ControlServer;
  let clients: ControlClient[];
  const rejects = new RejectLog();

  beforeEach(async () => {
    server = await ControlServer.open({ bindAddress: uniqueBindAddress('tcp'), onReject: rejects.onReject });
    clients = [0, 1].map((rank) => ControlClient.open({ rank, coordinator: server.endpoint, onReject: rejects.onReject }));
  });
  afterEach(async () => {
    for (const c of clients) await c.close();
    await server.close();
  });

  it('round-trips the new optional fields and still accepts messages without them', () => {
    const register = { type: 'register', rank: 1, endpoint: 'tcp://10.0.0.2:5000', host: 'vm', pid: 9, ipcEndpoint: 'ipc:///tmp/dynpipe-j/r1.sock', hostId } as const;
    const peers = { type: 'peers', endpoints: { '0': 'tcp://10.0.0.1:5000' }, hosts: { '0': { hostId, ipcEndpoint: 'ipc:///tmp/dynpipe-j/r0.sock' } } } as const;
    for (const m of [register, peers]) assert.deepEqual(decodeControl(encodeControl(m)), m);
    assert.throws(() => encodeControl({ ...register, hostId: { ...hostId, extra: 1 } } as never), dynpipeError('E_MESSAGE', /field 'hostId'/));
  });

  it('returns every rank\'s endpoint and the hosts of the ranks that announced one', async () => {
    const rendezvous = server.rendezvous(2, 10_000);
    const [t0, t1] = await Promise.all([
      clients[0].join({ endpoint: 'tcp://127.0.0.1:41000', host: 'vm', pid: 10, ipcEndpoint: 'ipc:///tmp/dynpipe-j/r0.sock', hostId }, 10_000),
      clients[1].join({ endpoint: 'tcp://127.0.0.1:41001', host: 'vm', pid: 11 }, 10_000),
    ]);
    await rendezvous;
    const expected = {
      endpoints: new Map([[0, 'tcp://127.0.0.1:41000'], [1, 'tcp://127.0.0.1:41001']]),
      hosts: new Map([[0, { hostId, ipcEndpoint: 'ipc:///tmp/dynpipe-j/r0.sock' }]]),
    };
    assert.deepEqual(t0, expected);
    assert.deepEqual(t1, expected);
    assert.deepEqual((await rendezvous).get(0), { endpoint: 'tcp://127.0.0.1:41000', host: 'vm', pid: 10, ipcEndpoint: 'ipc:///tmp/dynpipe-j/r0.sock', hostId });
  });

  it('a refusing check rejects the rendezvous and sends no table; a shutdown instead ends join with its reason', async () => {
    const rendezvous = server.rendezvous(2, 10_000, (registered) => {
      throw new DynpipeError('E_USAGE', `refused ${[...registered.keys()].join(',')}`);
    });
    // Every join settles into an outcome at once, so a failed assert above cannot leave a
    // rejection unhandled (that would end the whole mocha run, not just this case).
    const joins = clients.map((c) => c.join({ endpoint: `tcp://127.0.0.1:${42000 + c.rank}`, host: 'vm', pid: 1 }, 20_000));
    const outcomes = Promise.allSettled(joins);
    try {
      await assert.rejects(rendezvous, dynpipeError('E_USAGE', /^refused 0,1$/));
      for (const r of [0, 1]) await server.send(r, { type: 'shutdown', reason: 'refused 0,1' }, 10_000);
    } finally {
      const settled = await outcomes;
      for (const [r, o] of settled.entries()) {
        assert.equal(o.status, 'rejected', `rank ${r}'s join resolved although the rendezvous was refused`);
        assert.ok(o.reason instanceof DynpipeError && o.reason.code === 'E_PEER_FAILED', `rank ${r}: ${String(o.reason)}`);
        assert.match(o.reason.message, new RegExp(`^rank ${r}: stopped by the coordinator at rendezvous: refused 0,1$`));
      }
    }
  });
});
