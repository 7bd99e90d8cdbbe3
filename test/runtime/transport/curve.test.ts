/**
 * CURVE on the data plane and the control channel: peers holding the job's key pair talk as
 * before; a rogue socket — plain, with its own key pair, or claiming the job's public key without
 * its secret — can neither inject a tensor or a control message nor receive one, and the refused
 * handshake is reported.
 *
 *   rogue PUSH ──act mb 1──▶ ✗ rank 1 PULL (CURVE server + ZAP)  ◀──act mb 0── rank 0 PUSH (job keys) ✓
 *   rogue DEALER "0" ──register──▶ ✗ coordinator ROUTER (CURVE server + ZAP)
 */
import { strict as assert } from 'node:assert';
import * as zmq from 'zeromq';
import { DataPlane } from '../../../runtime/transport/data-plane.js';
import { ControlClient, ControlServer } from '../../../runtime/transport/control.js';
import { encodeMessage } from '../../../runtime/transport/codec.js';
import { encodeControl } from '../../../runtime/transport/control-messages.js';
import { float32Tensor } from '../../../runtime/transport/tensor.js';
import { type CurveKeys, generateCurveKeys } from '../../../runtime/transport/curve-keys.js';
import { RejectLog, dynpipeError, uniqueBindAddress } from './helpers.js';

/** Socket options of each kind of rogue, given the job's keys (which the rogue does not hold). */
function rogues(job: CurveKeys): Array<[string, object]> {
  const own = generateCurveKeys();
  return [
    ['plain (no CURVE)', {}],
    ['own key pair, knows the job public key', { curveServerKey: job.publicKey, curvePublicKey: own.publicKey, curveSecretKey: own.secretKey }],
    ['job public key without its secret', { curveServerKey: job.publicKey, curvePublicKey: job.publicKey, curveSecretKey: own.secretKey }],
  ];
}

const TENSOR = () => float32Tensor(Float32Array.from([1, 2, 3]));

describe('CURVE data plane', function () {
  this.timeout(20_000);
  let keys: CurveKeys;
  let receiver: DataPlane;
  let sender: DataPlane;
  let log: RejectLog;

  beforeEach(async () => {
    keys = generateCurveKeys();
    log = new RejectLog();
    receiver = await DataPlane.open({ rank: 1, bindAddress: uniqueBindAddress('tcp'), planVersion: 0, onReject: log.onReject, curve: keys });
    sender = await DataPlane.open({ rank: 0, bindAddress: uniqueBindAddress('tcp'), planVersion: 0, onReject: () => undefined, curve: keys });
    sender.connect(1, receiver.endpoint);
  });
  afterEach(async () => {
    await sender.close();
    await receiver.close();
  });

  it('delivers between ranks holding the job key pair', async () => {
    await sender.send(1, { kind: 'act', mb: 0 }, TENSOR());
    const m = await receiver.recv({ kind: 'act', mb: 0, fromRank: 0 }, 5000);
    assert.deepEqual([...m.tensor.data], [1, 2, 3]);
  });

  for (const [i, name] of ['plain (no CURVE)', 'own key pair, knows the job public key', 'job public key without its secret'].entries()) {
    it(`refuses a rogue PUSH: ${name}`, async () => {
      const rogue = new zmq.Push({ linger: 0, ...rogues(keys)[i][1] });
      try {
        rogue.connect(receiver.endpoint);
        const frames = encodeMessage({ kind: 'act', mb: 1, tag: 0, fromRank: 0, toRank: 1, planVersion: 0 }, TENSOR());
        rogue.sendTimeout = 1000;
        await rogue.send(frames).catch(() => undefined);
        await log.until(1);
        assert.match(log.errors[0].message, /^rank 1: refused a peer at tcp:\/\/127\.0\.0\.1:\d+: (authentication failed|security handshake failed) \(/);
        await assert.rejects(receiver.recv({ kind: 'act', mb: 1, fromRank: 0 }, 300), dynpipeError('E_PEER_TIMEOUT', /no 'act' for micro-batch 1 from rank 0/));
        assert.equal(receiver.stats.received, 0);
      } finally {
        rogue.close();
      }
    });
  }

  it('sends nothing to a rogue listener without the job key', async () => {
    const rogue = new zmq.Pull({ linger: 0 });
    await rogue.bind('tcp://127.0.0.1:*');
    try {
      sender.connect(7, rogue.lastEndpoint!);
      await sender.send(7, { kind: 'act', mb: 0 }, TENSOR(), 1000).catch(() => undefined);
      rogue.receiveTimeout = 500;
      await assert.rejects(rogue.receive(), (e: { code?: string }) => e.code === 'EAGAIN');
    } finally {
      rogue.close();
    }
  });
});

describe('CURVE control channel', function () {
  this.timeout(20_000);
  let keys: CurveKeys;
  let server: ControlServer;
  let log: RejectLog;

  beforeEach(async () => {
    keys = generateCurveKeys();
    log = new RejectLog();
    server = await ControlServer.open({ bindAddress: uniqueBindAddress('tcp'), onReject: log.onReject, curve: keys });
  });
  afterEach(async () => server.close());

  it('a rank holding the key pair registers', async () => {
    const client = ControlClient.open({ rank: 0, coordinator: server.endpoint, onReject: () => undefined, curve: keys });
    try {
      const rendezvous = server.rendezvous(1, 5000);
      const peers = await client.register({ endpoint: 'tcp://127.0.0.1:4000', host: 'h', pid: 1 }, 5000);
      assert.deepEqual([...peers], [[0, 'tcp://127.0.0.1:4000']]);
      assert.equal((await rendezvous).size, 1);
    } finally {
      await client.close();
    }
  });

  for (const [i, name] of ['plain (no CURVE)', 'own key pair, knows the job public key', 'job public key without its secret'].entries()) {
    it(`refuses a rogue DEALER posing as rank 0: ${name}`, async () => {
      const rogue = new zmq.Dealer({ linger: 0, routingId: '0', ...rogues(keys)[i][1] });
      try {
        rogue.connect(server.endpoint);
        rogue.sendTimeout = 1000;
        await rogue.send(encodeControl({ type: 'register', rank: 0, endpoint: 'tcp://127.0.0.1:4000', host: 'evil', pid: 1 })).catch(() => undefined);
        await rogue.send(encodeControl({ type: 'heartbeat', rank: 0 })).catch(() => undefined);
        await log.until(1);
        assert.match(log.errors[0].message, /^coordinator: refused a peer at tcp:\/\/127\.0\.0\.1:\d+: /);
        await assert.rejects(server.rendezvous(1, 300), dynpipeError('E_PEER_TIMEOUT', /missing \[0\]/));
        assert.equal(server.lastHeard(0), undefined);
      } finally {
        rogue.close();
      }
    });
  }

  it('a rank does not talk to a rogue coordinator without the job key', async () => {
    const rogue = new zmq.Router({ linger: 0 });
    await rogue.bind('tcp://127.0.0.1:*');
    const client = ControlClient.open({ rank: 0, coordinator: rogue.lastEndpoint!, onReject: () => undefined, curve: keys });
    try {
      await client.send({ type: 'heartbeat', rank: 0 }, 1000).catch(() => undefined);
      rogue.receiveTimeout = 500;
      await assert.rejects(rogue.receive(), (e: { code?: string }) => e.code === 'EAGAIN');
    } finally {
      await client.close();
      rogue.close();
    }
  });
});
