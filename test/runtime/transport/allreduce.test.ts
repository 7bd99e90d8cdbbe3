import { strict as assert } from 'node:assert';
import { ringAllReduce } from '../../../runtime/transport/allreduce.js';
import { DataPlane } from '../../../runtime/transport/data-plane.js';
import { RejectLog, TRANSPORTS, bytesOf, dynpipeError, prng, uniqueBindAddress } from './helpers.js';

/**
 * The documented result, computed here from the definition rather than by the implementation: with
 * replicas at positions 0..n-1 (ascending rank) and chunk c = [floor(cL/n), floor((c+1)L/n)), every
 * element of chunk c is x[c] + x[c+1] + ... + x[c+n-1] (positions mod n), rounded to float32 after each
 * addition; 'mean' divides that once by n.
 */
function expectedReduction(byPosition: Float32Array[], op: 'sum' | 'mean'): Float32Array {
  const n = byPosition.length;
  const length = byPosition[0].length;
  const out = new Float32Array(length);
  for (let c = 0; c < n; c++) {
    for (let i = Math.floor((c * length) / n); i < Math.floor(((c + 1) * length) / n); i++) {
      let s = byPosition[c][i];
      for (let k = 1; k < n; k++) s = Math.fround(s + byPosition[(c + k) % n][i]);
      out[i] = op === 'mean' ? Math.fround(s / n) : s;
    }
  }
  return out;
}

/** Values spanning many magnitudes and both signs, so that the order of float32 additions shows. */
function gradients(random: () => number, length: number): Float32Array {
  return new Float32Array(length).map(() => (random() - 0.5) * 10 ** Math.floor(random() * 8));
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((t, p) => t + p.length, 0));
  parts.reduce((offset, p) => (out.set(p, offset), offset + p.length), 0);
  return out;
}

for (const transport of TRANSPORTS) {
  describe(`ring all-reduce over ${transport}`, () => {
    //   positions 0 → 1 → 2 → 0 (ascending rank); each ring step moves one chunk to the right
    let planes: DataPlane[];
    let rejects: RejectLog;

    async function replicas(ranks: number[]): Promise<DataPlane[]> {
      planes = await Promise.all(ranks.map((rank) => DataPlane.open({ rank, bindAddress: uniqueBindAddress(transport), planVersion: 2, onReject: rejects.onReject })));
      for (const a of planes) for (const b of planes) if (a !== b) a.connect(b.rank, b.endpoint);
      return planes;
    }

    beforeEach(() => {
      rejects = new RejectLog();
      planes = [];
    });

    afterEach(async () => {
      for (const p of planes) await p.close();
    });

    for (const ranks of [[3, 1], [4, 1, 7]]) {
      for (const op of ['sum', 'mean'] as const) {
        it(`${op} among ${ranks.length} replicas equals the fixed-order float32 reduction, bit-identical everywhere`, async () => {
          const random = prng(ranks.length * 10 + (op === 'sum' ? 1 : 2));
          const lengths = [5, 0, 7, 1, 300];
          const inputs = new Map(ranks.map((r) => [r, lengths.map((len) => gradients(random, len))]));
          const copies = new Map([...inputs].map(([r, parts]) => [r, parts.map((p) => p.slice())]));
          const group = await replicas(ranks);
          const results = await Promise.all(group.map((p) => ringAllReduce(p, inputs.get(p.rank)!, { ranks, step: 11, op, timeoutMs: 20_000 })));

          const byPosition = [...ranks].sort((a, b) => a - b).map((r) => concat(inputs.get(r)!));
          const expected = expectedReduction(byPosition, op);
          if (ranks.length > 2) {
            // The data must be order-sensitive, or this test could not tell a wrong order from the right one.
            const n = byPosition.length;
            const rankOrder = expected.map((_, i) => {
              const s = byPosition.slice(1).reduce((acc, x) => Math.fround(acc + x[i]), byPosition[0][i]);
              return op === 'mean' ? Math.fround(s / n) : s;
            });
            assert.ok(rankOrder.some((v, i) => v !== expected[i]), 'test data does not distinguish summation orders');
          }
          for (const [k, parts] of results.entries()) {
            assert.deepEqual(parts.map((p) => p.length), lengths);
            assert.ok(bytesOf(concat(parts)).equals(bytesOf(expected)), `replica at rank ${group[k].rank} differs from the fixed-order sum`);
          }
          for (const [r, parts] of inputs) parts.forEach((p, i) => assert.ok(bytesOf(p).equals(bytesOf(copies.get(r)![i])), 'inputs were modified'));
          assert.equal(rejects.errors.length, 0);
        });
      }
    }

    it('keeps concurrent reductions with different step versions apart, even with fewer elements than replicas', async () => {
      const ranks = [0, 1, 2];
      const group = await replicas(ranks);
      const a = ranks.map((r) => [new Float32Array([r + 0.5, -r])]);
      const b = ranks.map((r) => [new Float32Array([10 * r + 1])]);
      const [ra, rb] = await Promise.all([
        Promise.all(group.map((p, k) => ringAllReduce(p, a[k], { ranks, step: 1, timeoutMs: 20_000 }))),
        Promise.all(group.map((p, k) => ringAllReduce(p, b[k], { ranks, step: 2, timeoutMs: 20_000 }))),
      ]);
      for (const parts of ra) assert.deepEqual([...parts[0]], [4.5, -3]);
      for (const parts of rb) assert.deepEqual([...parts[0]], [33]);
    });

    it('fails with E_PEER_TIMEOUT naming the step when a replica never joins, and refuses a rank outside the group', async () => {
      const [alone] = await replicas([0, 1]);
      await assert.rejects(ringAllReduce(alone, [new Float32Array(4)], { ranks: [0, 1], step: 5, timeoutMs: 200 }), dynpipeError('E_PEER_TIMEOUT', /^rank 0: no 'allreduce' for step 5 from rank 1 after \d+ ms/));
      await assert.rejects(ringAllReduce(alone, [new Float32Array(4)], { ranks: [1, 2], step: 6, timeoutMs: 200 }), dynpipeError('E_USAGE', /rank 0 is not among the all-reduce ranks \[1, 2\]/));
    });

    it('reports replicas that disagree on the gradient size', async () => {
      const ranks = [0, 1];
      const group = await replicas(ranks);
      const outcomes = await Promise.allSettled([
        ringAllReduce(group[0], [new Float32Array(4)], { ranks, step: 1, timeoutMs: 2_000 }),
        ringAllReduce(group[1], [new Float32Array(6)], { ranks, step: 1, timeoutMs: 2_000 }),
      ]);
      const reasons = outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).message : 'fulfilled'));
      assert.ok(reasons.some((m) => /sent float32\[3\] at ring step 0, expected float32\[2\] \(replicas disagree on gradient sizes\?\)/.test(m)), reasons.join(' | '));
    });
  });
}
