import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataPlane } from '../../../runtime/transport/data-plane.js';
import { float32Tensor } from '../../../runtime/transport/tensor.js';
import { RejectLog, TRANSPORTS, dynpipeError, uniqueBindAddress } from './helpers.js';

const MESSAGES = 48;
const ELEMENTS = 1 << 18; // 1 MiB of float32 per message

/** Resolves once `count()` has not changed for `quietMs` (or reached `limit`), polling; returns the value. */
async function whenStalled(count: () => number, limit: number, quietMs = 300): Promise<number> {
  let last = -1;
  let since = Date.now();
  for (;;) {
    const now = count();
    if (now >= limit) return now;
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return now;
    }
    await sleep(25);
  }
}

for (const transport of TRANSPORTS) {
  describe(`data plane backpressure over ${transport}`, () => {
    //   sender ──1 MiB × 48──▶ receiver (mailbox of 1, HWM 1, nobody calling recv)
    //   => send() stops resolving after a bounded number of messages; recv() drains and it completes.
    let sender: DataPlane;
    let receiver: DataPlane;

    beforeEach(async () => {
      const rejects = new RejectLog();
      receiver = await DataPlane.open({ rank: 1, bindAddress: uniqueBindAddress(transport), planVersion: 0, onReject: rejects.onReject, mailboxCapacity: 1, receiveHighWaterMark: 1 });
      sender = await DataPlane.open({ rank: 0, bindAddress: uniqueBindAddress(transport), planVersion: 0, onReject: rejects.onReject, sendHighWaterMark: 1 });
      sender.connect(1, receiver.endpoint);
    });

    afterEach(async () => {
      await sender.close();
      await receiver.close();
    });

    it('holds send() while the receiver does not read, then completes every send as it reads', async () => {
      let sent = 0;
      const producing = (async () => {
        for (let mb = 0; mb < MESSAGES; mb++) {
          await sender.send(1, { kind: 'act', mb }, float32Tensor(new Float32Array(ELEMENTS).fill(mb)));
          sent++;
        }
      })();
      const stalledAt = await whenStalled(() => sent, MESSAGES);
      // Bounded: one in the mailbox, a high-water mark of one on each side, and the kernel's socket buffers.
      assert.ok(stalledAt < MESSAGES / 2, `sender ran ahead by ${stalledAt} MiB with a non-reading receiver`);
      assert.equal(receiver.stats.buffered, 1);

      // A send queued behind the stalled ones is withdrawn at its deadline, naming what and to whom.
      await assert.rejects(sender.send(1, { kind: 'grad', mb: 99 }, float32Tensor(new Float32Array(1)), 200), dynpipeError('E_PEER_TIMEOUT', /^rank 0: 'grad' micro-batch 99 to rank 1 not accepted within 200 ms/));

      for (let mb = 0; mb < MESSAGES; mb++) {
        const m = await receiver.recv({ kind: 'act', mb, fromRank: 0 }, 30_000);
        assert.equal(m.tensor.data.length, ELEMENTS);
        assert.equal(m.tensor.data[ELEMENTS - 1], mb);
      }
      await producing;
      assert.equal(sent, MESSAGES);
    });
  });
}
