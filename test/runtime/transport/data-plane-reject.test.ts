import { strict as assert } from 'node:assert';
import { encode as msgpackEncode } from '@msgpack/msgpack';
import * as zmq from 'zeromq';
import { type MessageHeader, encodeMessage } from '../../../runtime/transport/codec.js';
import { DataPlane } from '../../../runtime/transport/data-plane.js';
import { float32Tensor } from '../../../runtime/transport/tensor.js';
import { RejectLog, TRANSPORTS, dynpipeError, uniqueBindAddress } from './helpers.js';

const packr = { pack: (v: unknown): Uint8Array => msgpackEncode(v) };

for (const transport of TRANSPORTS) {
  describe(`data plane rejections over ${transport}`, () => {
    //   rogue PUSH ──garbage──▶ rank 1 PULL ─▶ onReject (counted), reader keeps going
    let receiver: DataPlane;
    let rogue: zmq.Push;
    let rejects: RejectLog;

    beforeEach(async () => {
      rejects = new RejectLog();
      receiver = await DataPlane.open({
        rank: 1,
        bindAddress: uniqueBindAddress(transport),
        planVersion: 4,
        onReject: rejects.onReject,
        expect: { act: (m) => (m.tensor.shape[1] === 3 ? undefined : `shape [${m.tensor.shape.join(', ')}], expected [*, 3]`) },
      });
      rogue = new zmq.Push({ linger: 0 });
      rogue.connect(receiver.endpoint);
    });

    afterEach(async () => {
      rogue.close();
      await receiver.close();
    });

    const header = (patch: Partial<MessageHeader> = {}): MessageHeader => ({ kind: 'act', mb: 0, tag: 0, fromRank: 0, toRank: 1, planVersion: 4, ...patch });
    const valid = (patch: Partial<MessageHeader> = {}) => encodeMessage(header(patch), float32Tensor(new Float32Array(6), [2, 3]));

    /** After the rejections, a good message must still get through. */
    async function stillWorks(mb: number): Promise<void> {
      await rogue.send(valid({ mb }));
      const m = await receiver.recv({ kind: 'act', mb, fromRank: 0 }, 10_000);
      assert.deepEqual(m.tensor.shape, [2, 3]);
    }

    it('rejects undecodable frames with a reason each, and keeps receiving', async () => {
      const [head, body] = valid();
      const garbage: Array<[Buffer[], RegExp]> = [
        [[Buffer.from('hello')], /expected 2 frames .* got 1/],
        [[Buffer.from([0x92, 0x01]), body], /header is not msgpack/],
        [[Buffer.from('plain text, not msgpack'), body], /header is not msgpack/],
        [[Buffer.from(packr.pack('a msgpack string')), body], /header is not a map but 'a msgpack string'/],
        [[head, body.subarray(0, 20)], /data frame has 20 bytes, but float32\[2, 3\] needs 24/],
        [[Buffer.from(packr.pack({ v: 1, kind: 'act', mb: 0, tag: 0, fromRank: 0, toRank: 1, planVersion: 4, dtype: 'float16', shape: [2, 3] })), body], /unknown dtype 'float16'/],
        [[Buffer.from(packr.pack({ v: 1, kind: 'act', mb: 0, tag: 0, fromRank: 0, toRank: 1, planVersion: 4, dtype: 'float32', shape: [65536, 65536, 3] })), body], /exceeds the limit of \d+ elements/],
        [[Buffer.from(packr.pack({ v: 1, kind: 'bogus', mb: 0, tag: 0, fromRank: 0, toRank: 1, planVersion: 4, dtype: 'float32', shape: [2, 3] })), body], /unknown message kind 'bogus'/],
      ];
      for (const [frames] of garbage) await rogue.send(frames);
      await rejects.until(garbage.length);
      garbage.forEach(([, pattern], i) => dynpipeError('E_MESSAGE', /^rank 1: rejected message: /, pattern)(rejects.errors[i]));
      await stillWorks(1);
      assert.equal(receiver.stats.rejected, garbage.length);
      assert.equal(receiver.stats.received, 1);
    });

    it('rejects a wrong plan version, another rank\'s message, a duplicate and a shape its expectation refuses', async () => {
      await rogue.send(valid({ mb: 1, planVersion: 3 }));
      await rogue.send(valid({ mb: 2, toRank: 2 }));
      await rogue.send(valid({ mb: 3 }));
      await rogue.send(valid({ mb: 3 }));
      await rogue.send(encodeMessage(header({ mb: 4 }), float32Tensor(new Float32Array(6), [3, 2])));
      await rejects.until(4);
      const reasons = [
        /'act' micro-batch 1 from rank 0: plan version 3, this rank is at 4/,
        /'act' micro-batch 2 from rank 0: addressed to rank 2/,
        /'act' micro-batch 3 from rank 0: duplicate of a message already received/,
        /'act' micro-batch 4 from rank 0: shape \[3, 2\], expected \[\*, 3\]/,
      ];
      reasons.forEach((r, i) => dynpipeError('E_MESSAGE', /^rank 1: rejected /, r)(rejects.errors[i]));
      assert.deepEqual([...(await receiver.recv({ kind: 'act', mb: 3, fromRank: 0 }, 10_000)).tensor.shape], [2, 3]);
      // A replay after delivery is a duplicate too: it must not be served to a later recv.
      await rogue.send(valid({ mb: 3 }));
      await rejects.until(5);
      dynpipeError('E_MESSAGE', /micro-batch 3 from rank 0: duplicate/)(rejects.errors[4]);
      await stillWorks(5);
      assert.equal(receiver.stats.rejected, 5);
    });

    it('drops buffered messages of the old plan version when the plan changes', async () => {
      await rogue.send(valid({ mb: 1 }));
      await stillWorks(2); // mb 1 arrived before mb 2, so it is buffered by now
      assert.equal(receiver.stats.buffered, 1);
      receiver.setPlanVersion(5);
      dynpipeError('E_MESSAGE', /'act' micro-batch 1 from rank 0: stale: plan version 4, now 5/)(rejects.errors[0]);
      assert.equal(receiver.stats.buffered, 0);
      await rogue.send(valid({ mb: 2, planVersion: 5 })); // keys may repeat under the new plan
      assert.equal((await receiver.recv({ kind: 'act', mb: 2, fromRank: 0 }, 10_000)).header.planVersion, 5);
    });

    it('survives an onReject callback that throws', async () => {
      await receiver.close();
      receiver = await DataPlane.open({ rank: 1, bindAddress: uniqueBindAddress(transport), planVersion: 4, onReject: () => { throw new Error('logger down'); } });
      rogue.close();
      rogue = new zmq.Push({ linger: 0 });
      rogue.connect(receiver.endpoint);
      await rogue.send([Buffer.from('junk')]);
      await stillWorks(1);
      assert.equal(receiver.stats.rejected, 1);
    });
  });
}
