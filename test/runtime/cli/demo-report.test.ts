import assert from 'node:assert/strict';
import { demoReport, formatDemoReport, phaseThroughput, rankSlowdowns } from '../../../runtime/cli/demo-report.js';
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
    assert.equal(r.firstMigrationAfterBurstMs, 500);
  });

  it('a migration before the burst is reported as such', () => {
    const early: RankLogRow[] = [...rows.filter((x) => x.row !== 'repartition'), { row: 'repartition', time_ms: 700, rank: 1, stage: 1, plan_version: 1, pause_ms: 3, old_partition: [1, 1], new_partition: [2, 1] }];
    const r = demoReport(early, 32);
    assert.equal(r.firstMigrationAfterBurstMs, -300);
    assert.match(formatDemoReport(r), /^first migration: 0\.3 s BEFORE the burst started \(the controller reacted to noise\)$/m);
  });

  it('compute slowdown per rank: plan-0 steps in the burst over those before it', () => {
    // rank 0 computes 3 ms before 1000 and 6 ms after; rank 1 (lastStage rows) computes 2 ms throughout
    const r0 = [500, 900, 1100, 1300].map((t, i) => ({ ...lastStage(i, t, 1), rank: 0, stage: 0, forward_ms: t < 1000 ? 1 : 2, backward_ms: t < 1000 ? 2 : 4, loss: undefined }));
    assert.deepEqual(rankSlowdowns([...rows, ...r0], 1000, 1500), [2, 1]);
    assert.deepEqual(rankSlowdowns(rows, 5000, 6000), [null, null]);
  });

  it('prints the numbers at fixed precision', () => {
    const text = formatDemoReport(demoReport(rows, 32));
    assert.match(text, /^throughput during: 160\.0 samples\/s$/m);
    assert.match(text, /^repartition to v1 at 1\.5 s: \[1, 1\] -> \[2, 1\], pause 12\.3 ms$/m);
    assert.match(text, /^final loss: 8\.3000$/m);
    assert.match(text, /^burst: interference on ranks 1 from 1\.0 s to 2\.0 s$/m);
    assert.match(text, /^first migration: 0\.5 s after the burst started$/m);
    assert.match(text, /^compute slowdown in the burst \(before any migration\): rank 0 n\/a, rank 1 1\.00x$/m);
  });
});
