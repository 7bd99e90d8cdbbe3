import { strict as assert } from 'node:assert';
import { encode as msgpackEncode } from '@msgpack/msgpack';
import * as zmq from 'zeromq';
import { decodeControl, encodeControl } from '../../../runtime/transport/control-messages.js';
import { ControlClient, ControlServer } from '../../../runtime/transport/control.js';
import { claimIpcPath, releaseIpcPath } from '../../../runtime/transport/endpoints.js';
import { RejectLog, TRANSPORTS, dynpipeError, uniqueBindAddress } from './helpers.js';

const packr = { pack: (v: unknown): Uint8Array => msgpackEncode(v) };

describe('control messages', () => {
  it('round-trips every message type', () => {
    const messages = [
      { type: 'register', rank: 2, endpoint: 'tcp://127.0.0.1:4000', host: 'node1', pid: 123 },
      { type: 'peers', endpoints: { '0': 'ipc:///tmp/dynpipe-j/r0.sock', '1': 'tcp://10.0.0.1:5000' } },
      { type: 'stats', rank: 1, stats: { stageMs: [1.5, 2], note: 'ok' } },
      { type: 'done', rank: 0 },
      { type: 'error', rank: 3, message: 'out of memory' },
      { type: 'shutdown', reason: 'rank 3 failed' },
      { type: 'heartbeat', rank: 4 },
    ] as const;
    for (const m of messages) assert.deepEqual(decodeControl(encodeControl(m)), m);
  });

  it('names the fault in a malformed control message', () => {
    const cases: Array<[Buffer, RegExp]> = [
      [Buffer.from([0xc1, 0x00]), /not msgpack|not a map/],
      [Buffer.from(packr.pack({ type: 'done', rank: 1 })), /control protocol version is undefined, expected 1/],
      [Buffer.from(packr.pack({ v: 1, type: 'launch' })), /control message 'launch' is invalid: field 'type'/],
      [Buffer.from(packr.pack({ v: 1, type: 'done', rank: -1 })), /'done' is invalid: field 'rank'/],
      [Buffer.from(packr.pack({ v: 1, type: 'done', rank: 1, extra: true })), /'done' is invalid: .*extra/],
      [Buffer.from(packr.pack({ v: 1, type: 'register', rank: 1, endpoint: 'http://x', host: 'h', pid: 1 })), /field 'endpoint': not an ipc/],
    ];
    for (const [frame, pattern] of cases) assert.throws(() => decodeControl(frame), dynpipeError('E_MESSAGE', pattern));
  });
});

for (const transport of TRANSPORTS) {
  describe(`control channel over ${transport}`, () => {
    //   rank 0..2 DEALER (identity "r") ──register──▶ coordinator ROUTER ──peers──▶ every rank
    let server: ControlServer;
    let clients: ControlClient[];
    let serverRejects: RejectLog;
    let clientRejects: RejectLog;

    beforeEach(async () => {
      serverRejects = new RejectLog();
      clientRejects = new RejectLog();
      server = await ControlServer.open({ bindAddress: uniqueBindAddress(transport), onReject: serverRejects.onReject });
      clients = [0, 1, 2].map((rank) => ControlClient.open({ rank, coordinator: server.endpoint, onReject: clientRejects.onReject }));
    });

    afterEach(async () => {
      for (const c of clients) await c.close();
      await server.close();
    });

    it('rendezvous: three ranks register and each receives the same peer table', async () => {
      const endpoint = (r: number) => `tcp://127.0.0.1:${41000 + r}`;
      const rendezvous = server.rendezvous(3, 10_000);
      const tables = await Promise.all(clients.map((c) => c.register({ endpoint: endpoint(c.rank), host: 'localhost', pid: 1000 + c.rank }, 10_000)));
      const registered = await rendezvous;
      const expected = new Map([0, 1, 2].map((r) => [r, endpoint(r)]));
      for (const t of tables) assert.deepEqual(t, expected);
      assert.deepEqual([...registered.entries()].sort(), [0, 1, 2].map((r) => [r, { endpoint: endpoint(r), host: 'localhost', pid: 1000 + r }]));
      assert.equal(serverRejects.errors.length, 0);
    });

    it('names the missing ranks when a rendezvous times out', async () => {
      await clients[1].send({ type: 'register', rank: 1, endpoint: 'tcp://127.0.0.1:1', host: 'h', pid: 1 }, 5_000);
      await assert.rejects(server.rendezvous(3, 300), dynpipeError('E_PEER_TIMEOUT', /rendezvous incomplete after 300 ms: 1 of 3 ranks registered, missing \[0, 2\]/));
    });

    it('rejects rogue messages without stopping, and still serves the ranks', async () => {
      //   anonymous DEALER, non-numeric identity, and rank "5" sending garbage, a false rank claim,
      //   a coordinator-only type and an extra frame. They arrive interleaved, so match by reason.
      const anonymous = new zmq.Dealer({ linger: 0 });
      const named = new zmq.Dealer({ linger: 0, routingId: 'x9' });
      const impostor = new zmq.Dealer({ linger: 0, routingId: '5' });
      try {
        for (const d of [anonymous, named, impostor]) d.connect(server.endpoint);
        await anonymous.send(encodeControl({ type: 'done', rank: 0 }));
        await named.send(Buffer.from('junk'));
        await impostor.send(Buffer.from([0x92, 0x01]));
        await impostor.send(encodeControl({ type: 'done', rank: 2 }));
        await impostor.send(encodeControl({ type: 'shutdown', reason: 'not yours' }));
        await impostor.send([encodeControl({ type: 'done', rank: 5 }), Buffer.from('tail')]);
        await clients[0].send({ type: 'stats', rank: 0, stats: { first: 1 } }, 5_000);
        await serverRejects.until(6);
      } finally {
        for (const d of [anonymous, named, impostor]) d.close();
      }
      const reasons = [
        /^coordinator: rejected message from a peer with identity "\\u0000.*": identity is not a rank$/,
        /^coordinator: rejected message from a peer with identity "x9": identity is not a rank$/,
        /^coordinator: rejected message from rank 5: control message is not msgpack/,
        /^coordinator: rejected 'done' from rank 5: it claims to be rank 2$/,
        /^coordinator: rejected 'shutdown' from rank 5: only the coordinator sends it$/,
        /^coordinator: rejected message from rank 5: expected 1 body frame, got 2$/,
      ];
      for (const r of reasons) assert.equal(serverRejects.errors.filter((e) => e.code === 'E_MESSAGE' && r.test(e.message)).length, 1, `one rejection matching ${r}`);
      assert.deepEqual(await server.next(['stats'], 5_000), { rank: 0, message: { type: 'stats', rank: 0, stats: { first: 1 } } });
      await clients[0].send({ type: 'done', rank: 0 }, 5_000);
      assert.deepEqual(await server.next(['done', 'error'], 5_000), { rank: 0, message: { type: 'done', rank: 0 } });
      assert.equal(server.rejected, 6);
    });

    it('sends to one rank, fails fast on an unknown one, and lets a rank time out waiting', async () => {
      await clients[1].send({ type: 'heartbeat', rank: 1 }, 5_000);
      await clients[1].send({ type: 'done', rank: 1 }, 5_000);
      await server.next(['done'], 5_000); // rank 1 is connected now (heartbeats are not queued)
      assert.ok(server.lastHeard(1) !== undefined);
      assert.equal(server.lastHeard(0), undefined);
      await server.send(1, { type: 'shutdown', reason: 'test over' }, 5_000);
      assert.deepEqual(await clients[1].next(['shutdown'], 5_000), { type: 'shutdown', reason: 'test over' });
      await assert.rejects(server.send(7, { type: 'shutdown', reason: 'x' }, 1_000), dynpipeError('E_PEER_FAILED', /rank 7 is not connected/));
      await assert.rejects(clients[0].next(['peers'], 150), dynpipeError('E_PEER_TIMEOUT', /^rank 0: no peers from the coordinator after \d+ ms$/));
    });
    it('a rank rejects malformed or rank-only messages from the coordinator side and keeps listening', async () => {
      //   raw ROUTER (standing in for a faulty coordinator) ──junk, 'done', extra frame, shutdown──▶ rank 0
      const address = uniqueBindAddress(transport);
      await claimIpcPath(address); // creates the ipc directory (no-op for tcp)
      const router = new zmq.Router({ linger: 0 });
      await router.bind(address);
      const client = ControlClient.open({ rank: 0, coordinator: router.lastEndpoint ?? address, onReject: clientRejects.onReject });
      try {
        await client.send({ type: 'heartbeat', rank: 0 }, 5_000);
        const [identity] = await router.receive(); // the rank is connected once its first message is in
        await router.send([identity, Buffer.from('junk')]);
        await router.send([identity, encodeControl({ type: 'done', rank: 0 })]);
        await router.send([identity, encodeControl({ type: 'shutdown', reason: 'a' }), Buffer.from('tail')]);
        await router.send([identity, encodeControl({ type: 'shutdown', reason: 'b' })]);
        assert.deepEqual(await client.next(['shutdown'], 5_000), { type: 'shutdown', reason: 'b' });
        const reasons = [/^rank 0: rejected control message: control message is not msgpack/, /^rank 0: rejected 'done': only ranks send it$/, /^rank 0: rejected control message: expected 1 frame, got 2$/];
        reasons.forEach((r, i) => dynpipeError('E_MESSAGE', r)(clientRejects.errors[i]));
        assert.equal(client.rejected, 3);
      } finally {
        await client.close();
        router.close();
        releaseIpcPath(address);
      }
    });
  });
}
