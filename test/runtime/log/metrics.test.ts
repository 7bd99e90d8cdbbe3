/**
 * Metrics on the hand-planned runs of test/fixtures/run-logs.ts. Every expected number below is
 * worked out from the timeline table in that file's header (step times start_ms + 10 rank).
 */
import { strict as assert } from 'node:assert';
import { isDynpipeError } from '../../../runtime/errors.js';
import {
  busyByRank,
  busyByRankAndPlan,
  interferenceWindows,
  iterationTimes,
  levelAt,
  repartitions,
  throughputSamplesPerS,
  timeToAccuracy,
} from '../../../runtime/log/metrics.js';
import type { RankLogRow } from '../../../runtime/log/rank-log.js';
import { summarizeRun } from '../../../runtime/log/summarize.js';
import { MICROBATCH_SIZE, dynpipeRows, pipedreamRows } from '../../fixtures/run-logs.js';

const close = (actual: number | null, expected: number, what: string) => {
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-9, `${what}: expected ${expected}, got ${actual}`);
};

describe('log metrics', () => {
  const dyn = dynpipeRows();
  const pd = pipedreamRows();

  it('throughput counts last-stage completions after the first', () => {
    // rank 2 completes microbatches 0..11 at 1020 .. 2540 (dynpipe) and 1020 .. 2270 (pipedream)
    close(throughputSamplesPerS(dyn, MICROBATCH_SIZE), (11 * 8) / 1.52, 'dynpipe');
    close(throughputSamplesPerS(pd, MICROBATCH_SIZE), (11 * 8) / 1.25, 'pipedream');
    assert.equal(throughputSamplesPerS(dyn.slice(0, 1), MICROBATCH_SIZE), null);
  });

  it('throughput counts a microbatch once when the last stage is replicated, at its later replica', () => {
    const replica = dyn.flatMap((r) => (r.row === 'step' && r.rank === 2 ? [{ ...r, rank: 3, time_ms: r.time_ms + 5 }] : []));
    // completions now 1025 .. 2545: still 12 microbatches over 1520 ms
    close(throughputSamplesPerS([...dyn, ...replica], MICROBATCH_SIZE), (11 * 8) / 1.52, 'replicated');
  });

  it('busy fraction = compute after the first step / time between first and last step', () => {
    // dynpipe, whole run (1520 ms per rank): rank 0 = 5 x 65 + 6 x 80; rank 1 = 3 x 65 + 2 x 117 + 6 x 50;
    // rank 2 = 9 x 65 + 2 x 78
    const busy = busyByRank(dyn);
    assert.deepEqual(busy.map((b) => [b.rank, b.stage]), [[0, 0], [1, 1], [2, 2]]);
    close(busy[0].busy_fraction, (5 * 65 + 6 * 80) / 1520, 'rank 0');
    close(busy[1].busy_fraction, (3 * 65 + 2 * 117 + 6 * 50) / 1520, 'rank 1');
    close(busy[2].busy_fraction, (9 * 65 + 2 * 78) / 1520, 'rank 2');
  });

  it('busy fraction per plan version leaves the repartition pause out', () => {
    // v0: iterations 0-5 over 600 ms; v1: iterations 6-11 over 570 ms (1950 .. 2520 + 10 r)
    const got = busyByRankAndPlan(dyn).map((b) => [b.plan_version, b.rank, b.busy_fraction]);
    const want = [
      [0, 0, (5 * 65) / 600],
      [0, 1, (3 * 65 + 2 * 117) / 600],
      [0, 2, (5 * 65) / 600],
      [1, 0, (5 * 80) / 570],
      [1, 1, (5 * 50) / 570],
      [1, 2, (3 * 65 + 2 * 78) / 570],
    ];
    assert.equal(got.length, want.length);
    got.forEach((g, i) => {
      assert.deepEqual(g.slice(0, 2), want[i].slice(0, 2));
      close(g[2], want[i][2], `plan ${g[0]} rank ${g[1]}`);
    });
  });

  it('iteration time is the gap between iteration ends, optionally averaged over windows', () => {
    const single = [100, 100, 100, 150, 150, 350, 110, 110, 110, 120, 120];
    assert.deepEqual(iterationTimes(dyn).map((t) => t.iteration_ms), single);
    assert.deepEqual(iterationTimes(dyn).map((t) => t.iteration), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    assert.equal(iterationTimes(dyn)[5].end_ms, 1970);
    const pairs = iterationTimes(dyn, 2);
    assert.deepEqual(pairs.map((t) => t.iteration), [2, 4, 6, 8, 10]);
    assert.deepEqual(pairs.map((t) => t.iteration_ms), [100, 125, 250, 110, 115]);
    assert.throws(() => iterationTimes(dyn, 0), (e: unknown) => isDynpipeError(e, 'E_USAGE'));
  });

  it('a repartition reports the earliest pause start and the longest pause of any rank', () => {
    assert.deepEqual(repartitions(dyn), [{ plan_version: 1, time_ms: 1700, pause_ms: 220, old_partition: [3, 3, 3], new_partition: [4, 2, 3] }]);
    assert.deepEqual(repartitions(pd), []);
  });

  it('ranks disagreeing on a repartition is an error naming both', () => {
    const rows: RankLogRow[] = dyn.map((r) => (r.row === 'repartition' && r.rank === 2 ? { ...r, new_partition: [3, 3, 3] } : r));
    assert.throws(() => repartitions(rows), (e: unknown) => isDynpipeError(e, 'E_LOG_PARSE') && /plan 1: rank 2 logs 3-3-3 -> 3-3-3, rank 0 logs 3-3-3 -> 4-2-3/.test(e.message));
  });

  it('measured slowdown compares compute inside the window with compute before it, same plan', () => {
    const windows = interferenceWindows(dyn);
    assert.deepEqual(
      windows.map((w) => [w.rank, w.level, w.start_ms, w.end_ms, w.predicted_slowdown]),
      [
        [1, 'heavy', 1325, 1725, 2],
        [2, 'light', 2305, 2605, 1.3],
      ],
    );
    close(windows[0].measured_slowdown, 117 / 65, 'heavy window');
    close(windows[1].measured_slowdown, 78 / 65, 'light window');
  });

  it('classifies times by interference level, heavy over light, windows as (start, end]', () => {
    const windows = interferenceWindows(dyn);
    assert.deepEqual([1325, 1326, 1725, 1726, 2400].map((t) => levelAt(windows, t)), ['none', 'heavy', 'heavy', 'none', 'light']);
    const overlap = [windows[0], { ...windows[1], start_ms: 1300, end_ms: 1400 }];
    assert.equal(levelAt(overlap, 1350), 'heavy');
  });

  it('time to accuracy is the first eval reaching the target', () => {
    assert.equal(timeToAccuracy(dyn, 0.5), 2100);
    assert.equal(timeToAccuracy(pd, 0.5), 2600);
    assert.equal(timeToAccuracy(pd, 0.9), null);
  });

  it('summarizeRun gathers the same numbers into a valid summary', () => {
    const s = summarizeRun(dyn, { mode: 'dynpipe', model: 'vgg16', microbatchSize: MICROBATCH_SIZE, targetAccuracy: 0.7 });
    assert.equal(s.mode, 'dynpipe');
    assert.equal(s.duration_ms, 2600);
    close(s.throughput_samples_per_s, 88 / 1.52, 'throughput');
    assert.deepEqual(s.time_to_accuracy, { target_accuracy: 0.7, time_ms: 2600 });
    assert.equal(s.repartitions[0].pause_ms, 220);
    assert.equal(s.busy.length, 3);
    assert.equal(s.interference.length, 2);
    assert.equal(summarizeRun(pd, { mode: 'pipedream', model: 'vgg16', microbatchSize: 8 }).time_to_accuracy, null);
    assert.throws(() => summarizeRun([], { mode: 'm', model: 'x', microbatchSize: 8 }), (e: unknown) => isDynpipeError(e, 'E_DATA'));
  });
});
