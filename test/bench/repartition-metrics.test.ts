import { strict as assert } from 'node:assert';
import { completions, iterationMsBefore, rangeThroughput, recoveryMs, throughputBins, type Completion } from '../../bench/repartition-metrics.js';
import type { RankLogRow } from '../../runtime/log/rank-log.js';

/** Completions every `gaps[k]` ms (microbatch k + 1 finishes gaps[k] after microbatch k). */
function timeline(gaps: number[]): Completion[] {
  const out: Completion[] = [{ mb: 0, timeMs: 0 }];
  gaps.forEach((g, k) => out.push({ mb: k + 1, timeMs: out[k].timeMs + g }));
  return out;
}

describe('repartition bench metrics', () => {
  it('takes the latest replica of each microbatch at the last stage', () => {
    const step = (rank: number, mb: number, t: number, loss?: number): RankLogRow => ({
      row: 'step', time_ms: t, rank, stage: 0, plan_version: 0, iteration: mb, microbatch: mb, forward_ms: 0, backward_ms: 0, recv_wait_ms: 0, send_wait_ms: 0, optimizer_ms: 0, samples_per_s: 0, ...(loss === undefined ? {} : { loss }),
    });
    assert.deepEqual(completions([step(2, 1, 30, 1), step(3, 1, 35, 1), step(1, 1, 50), step(2, 0, 10, 1)]), [{ mb: 0, timeMs: 10 }, { mb: 1, timeMs: 35 }]);
  });

  it('measures throughput, bins and the iteration time', () => {
    const c = timeline([10, 10, 10, 20, 20]); // at 0, 10, 20, 30, 50, 70 ms
    assert.equal(rangeThroughput(c, 0, 4, 8), (3 * 8 * 1000) / 30);
    assert.deepEqual(throughputBins(c, 50, 8).map((b) => b.samplesPerS), [(4 * 8 * 1000) / 50, (2 * 8 * 1000) / 50]);
    assert.equal(iterationMsBefore(c, 5, 3), 10); // gaps 10, 10, 20 before microbatch 5
  });

  it('recovery ends with the last window below the target, and is undefined if the phase ends below it', () => {
    // 10 ms per microbatch, then 20 ms for microbatches 5..8, then 10 ms again.
    const c = timeline([10, 10, 10, 10, 20, 20, 20, 20, 10, 10, 10, 10, 10]);
    // Completions at 0 10 20 30 40 60 80 100 120 130 140 ... ms. Windows of 2 microbatches need <= 20 ms
    // for 100/s: the last one slower starts at mb 7 (100 -> 130 ms) and ends at mb 9, at 130 ms.
    assert.equal(recoveryMs(c, 0, 14, 100, 1, 2), 130);
    assert.equal(recoveryMs(c, 0, 4, 100, 1, 2), 0);
    assert.equal(recoveryMs(c, 0, 8, 100, 1, 2), undefined);
  });
});
