import assert from 'node:assert/strict';
import { demoReport, formatDemoReport, phaseThroughput } from '../../../runtime/cli/demo-report.js';
import type { RankLogRow, StepRow } from '../../../runtime/log/rank-log.js';

function lastStage(mb: number, time_ms: number, loss: number): StepRow {
  return { row: 'step', time_ms, rank: 1, stage: 1, plan_version: 0, iteration: mb, microbatch: mb, forward_ms: 1, backward_ms: 1, recv_wait_ms: 0, send_wait_ms: 0, optimizer_ms: 0, samples_per_s: 1, loss };
}

describe('demo report', () => {
  // completions every 100 ms up to 1000, then every 200 ms during (1000, 2000], then every 100 ms again
  const times = [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1200, 1400, 1600, 1800, 2000, 2100, 2200, 2300];
  const rows: RankLogRow[] = [
    ...times.map((t, i) => lastStage(i, t, 10 - i / 10)),
    { row: 'interference', time_ms: 1000, rank: 1, stage: 1, plan_version: 0, duration_ms: 1000, level: 'heavy' },
    { row: 'repartition', time_ms: 1500, rank: 1, stage: 1, plan_version: 1, pause_ms: 12.25, old_partition: [1, 1], new_partition: [2, 1] },
  ];

  it('phase throughput: (n - 1) * microbatch / span, null below two', () => {
    assert.equal(phaseThroughput([0, 500, 1000], 32), 64);
    assert.equal(phaseThroughput([7], 32), null);
  });

  it('splits completions at the start and end of the interference', () => {
    const r = demoReport(rows, 32);
    assert.deepEqual(r.interference, { startMs: 1000, endMs: 2000, ranks: [1] });
    // before: 10 completions over 900 ms; during: 5 over 800 ms; after: 3 over 200 ms
    assert.deepEqual(r.throughput, { before: (9 * 32) / 0.9, during: (4 * 32) / 0.8, after: (2 * 32) / 0.2 });
    assert.equal(r.finalLoss, 10 - 17 / 10);
    assert.equal(r.microbatches, 18);
    assert.deepEqual(r.repartitions.map((p) => p.pause_ms), [12.25]);
  });

  it('prints the numbers at fixed precision', () => {
    const text = formatDemoReport(demoReport(rows, 32));
    assert.match(text, /^throughput during: 160\.0 samples\/s$/m);
    assert.match(text, /^repartition to v1 at 1\.5 s: \[1, 1\] -> \[2, 1\], pause 12\.3 ms$/m);
    assert.match(text, /^final loss: 8\.3000$/m);
  });
});
