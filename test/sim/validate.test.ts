import { strict as assert } from 'node:assert';
import type { StepRow } from '../../runtime/log/rank-log.js';
import { compareRuns, formatComparison, windowTimes } from '../../runtime/sim/validate.js';

/** Step rows of a 2-stage run whose last stage completes microbatch k at times[k]. */
function run(times: number[]): StepRow[] {
  return times.flatMap((t, mb) =>
    [0, 1].map((stage): StepRow => ({
      row: 'step', time_ms: stage === 1 ? t : t - 1, rank: stage, stage, plan_version: 0, iteration: mb, microbatch: mb,
      forward_ms: 1, backward_ms: 1, recv_wait_ms: 0, send_wait_ms: 0, optimizer_ms: 0, samples_per_s: 1,
    })),
  );
}

describe('simulator validation', () => {
  it('window times: (c[(w+1)k] - c[wk]) / k over full windows only', () => {
    assert.deepEqual(windowTimes([10, 12, 14, 20, 26, 27], 2), [2, 6]);
  });

  it('compares the last stage\'s completions window by window', () => {
    const measured = run([100, 110, 120, 130, 150, 170]);
    const simulated = run([5, 15, 25, 35, 55, 70, 80]);
    const table = compareRuns(measured, simulated, 2);
    assert.deepEqual(table.map((r) => [r.measuredMs, r.simulatedMs]), [[10, 10], [15, 15]]);
    const worse = compareRuns(measured, run([0, 11, 22, 33, 44, 55]), 2);
    assert.deepEqual(worse.map((r) => r.relativeError), [0.1, (11 - 15) / 15]);
    assert.match(formatComparison(worse), /mean \|error\| 18\.3 %, worst window 1 at -26\.7 %/);
  });
});
