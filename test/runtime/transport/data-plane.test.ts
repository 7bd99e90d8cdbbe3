import { strict as assert } from 'node:assert';
import { DataPlane, type DataPlaneOptions } from '../../../runtime/transport/data-plane.js';
import { float32Tensor, int32Tensor } from '../../../runtime/transport/tensor.js';
import { RejectLog, TRANSPORTS, bytesOf, dynpipeError, prng, uniqueBindAddress } from './helpers.js';

for (const transport of TRANSPORTS) {
  describe(`data plane over ${transport}`, () => {
    //   rank 0 (sender) ──PUSH──▶ rank 1 (receiver, PULL)
    let sender: DataPlane;
    let receiver: DataPlane;
    let rejects: RejectLog;

    async function open(rank: number, extra: Partial<DataPlaneOptions> = {}): Promise<DataPlane> {
      return DataPlane.open({ rank, bindAddress: uniqueBindAddress(transport), planVersion: 0, onReject: rejects.onReject, ...extra });
    }

    beforeEach(async () => {
      rejects = new RejectLog();
      receiver = await open(1);
      sender = await open(0);
      sender.connect(1, receiver.endpoint);
    });

    afterEach(async () => {
      await sender.close();
      await receiver.close();
    });

    it('delivers float32 and int32 tensors bit for bit, empty and 16 MB ones included', async () => {
      const random = prng(7);
      const big = new Float32Array(4 << 20).map(() => (random() - 0.5) * 1e6);
      const tensors = [
        float32Tensor(big, [1024, 4096]),
        int32Tensor(new Int32Array([3, -1, 2147483647, -2147483648]), [2, 2]),
        float32Tensor(new Float32Array(0), [0, 5]),
        float32Tensor(new Float32Array([0.1]), []),
      ];
      for (let mb = 0; mb < tensors.length; mb++) await sender.send(1, { kind: 'act', mb, extra: { mb } }, tensors[mb]);
      for (let mb = 0; mb < tensors.length; mb++) {
        const m = await receiver.recv({ kind: 'act', mb, fromRank: 0 }, 10_000);
        assert.deepEqual(m.header, { kind: 'act', mb, tag: 0, fromRank: 0, toRank: 1, planVersion: 0, extra: { mb } });
        assert.equal(m.tensor.dtype, tensors[mb].dtype);
        assert.deepEqual(m.tensor.shape, tensors[mb].shape);
        assert.ok(bytesOf(m.tensor.data).equals(bytesOf(tensors[mb].data)), `payload of mb ${mb} differs`);
      }
      assert.deepEqual(receiver.stats, { sent: 0, received: 4, rejected: 0, buffered: 0 });
      assert.equal(sender.stats.sent, 4);
    });

    it('buffers messages that arrive before they are wanted and matches each by kind, mb, sender and tag', async () => {
      const third = await open(2);
      third.connect(1, receiver.endpoint);
      try {
        for (let mb = 0; mb < 4; mb++) await sender.send(1, { kind: 'act', mb }, float32Tensor(new Float32Array([mb])));
        await sender.send(1, { kind: 'grad', mb: 2 }, float32Tensor(new Float32Array([-2])));
        await third.send(1, { kind: 'act', mb: 2 }, float32Tensor(new Float32Array([200])));
        await third.send(1, { kind: 'allreduce', mb: 2, tag: 1 }, float32Tensor(new Float32Array([21])));
        const got = async (kind: 'act' | 'grad' | 'allreduce', mb: number, fromRank: number, tag?: number) => (await receiver.recv({ kind, mb, fromRank, tag }, 10_000)).tensor.data[0];
        assert.equal(await got('allreduce', 2, 2, 1), 21);
        assert.equal(await got('act', 2, 2), 200);
        assert.equal(await got('grad', 2, 0), -2);
        for (const mb of [3, 1, 0, 2]) assert.equal(await got('act', mb, 0), mb);
        assert.equal(receiver.stats.buffered, 0);
      } finally {
        await third.close();
      }
    });

    it('waits for a message that has not arrived yet', async () => {
      const pending = receiver.recv({ kind: 'grad', mb: 9, fromRank: 0 }, 10_000);
      await sender.send(1, { kind: 'grad', mb: 9 }, float32Tensor(new Float32Array([9.5])));
      assert.deepEqual([...(await pending).tensor.data], [9.5]);
    });

    it('fails a wait past its deadline with E_PEER_TIMEOUT naming rank, kind, micro-batch, peer and wait', async () => {
      await assert.rejects(receiver.recv({ kind: 'grad', mb: 7, fromRank: 0 }, 150), dynpipeError('E_PEER_TIMEOUT', /^rank 1: no 'grad' for micro-batch 7 from rank 0 after (\d+) ms$/));
      const err = (await receiver.recv({ kind: 'act', mb: 3, fromRank: 4, tag: 2 }, 100).then(
        () => assert.fail('recv should time out'),
        (e: unknown) => e,
      )) as Error;
      const waited = Number(/after (\d+) ms/.exec(err.message)?.[1]);
      assert.ok(waited >= 100, `waited ${waited} ms`);
      assert.match(err.message, /micro-batch 3 tag 2 from rank 4/);
    });

    it('consults the send-delay hook with the peer and the message size before each send', async () => {
      const calls: Array<[number, number]> = [];
      sender.setSendDelay((toRank, bytes) => {
        calls.push([toRank, bytes]);
        return 30;
      });
      const started = Date.now();
      await sender.send(1, { kind: 'act', mb: 0 }, float32Tensor(new Float32Array(256)));
      assert.ok(Date.now() - started >= 29, 'the 30 ms delay was not applied');
      assert.equal(calls.length, 1);
      assert.equal(calls[0][0], 1);
      assert.ok(calls[0][1] > 1024 && calls[0][1] < 1024 + 200, `bytes ${calls[0][1]} should be 1024 of data plus a small header`);
      sender.setSendDelay(() => Number.NaN);
      await assert.rejects(sender.send(1, { kind: 'act', mb: 1 }, float32Tensor(new Float32Array(1))), dynpipeError('E_USAGE', /send delay for \d+ bytes to rank 1 is NaN/));
      sender.setSendDelay(undefined);
      await sender.send(1, { kind: 'act', mb: 2 }, float32Tensor(new Float32Array([2])));
      assert.equal((await receiver.recv({ kind: 'act', mb: 2, fromRank: 0 }, 10_000)).tensor.data[0], 2);
    });

    it('refuses to send to a rank it has no connection to, or an ill-formed tensor', async () => {
      await assert.rejects(sender.send(5, { kind: 'act', mb: 0 }, float32Tensor(new Float32Array(1))), dynpipeError('E_PEER_FAILED', /rank 0: cannot send to rank 5: not connected/));
      await assert.rejects(sender.send(1, { kind: 'act', mb: 0 }, { dtype: 'float32', shape: [2], data: new Float32Array(3) }), dynpipeError('E_MESSAGE', /holds 2 elements, but data has 3/));
      assert.throws(() => sender.connect(1, 'tcp://127.0.0.1:1'), dynpipeError('E_USAGE', /rank 1 is already connected at/));
    });

    it('closes idempotently, failing pending and later waits', async () => {
      const pending = receiver.recv({ kind: 'act', mb: 0, fromRank: 0 }, 60_000);
      await receiver.close();
      await receiver.close();
      await assert.rejects(pending, dynpipeError('E_PEER_FAILED', /rank 1: data plane closed/));
      await assert.rejects(async () => receiver.recv({ kind: 'act', mb: 0, fromRank: 0 }, 100), dynpipeError('E_PEER_FAILED', /closed/));
    });
  });
}
