import assert from 'node:assert/strict';
import {
  formatExperimentTable,
  parseExperimentSummary,
  printExperimentSummary,
  summarizeExperiment,
  type LoggedRun,
} from '../../../runtime/experiment/experiment-summary.js';
import type { RankLogRow, StepRow } from '../../../runtime/log/rank-log.js';
import { isDynpipeError } from '../../../runtime/errors.js';

/** A 2-stage run: the last stage (rank 1) completes microbatch m at start + m * every ms. */
function steps(start: number, every: number, n: number): StepRow[] {
  return Array.from({ length: n }, (_, m) => ({
    row: 'step' as const, time_ms: start + m * every, rank: 1, stage: 1, plan_version: 0, iteration: m, microbatch: m,
    forward_ms: 1, backward_ms: 2, recv_wait_ms: 0, send_wait_ms: 0, optimizer_ms: 0, loss: 1, samples_per_s: 1,
  }));
}

function evals(points: Array<[number, number]>): RankLogRow[] {
  return points.map(([time_ms, accuracy]) => ({ row: 'eval' as const, time_ms, rank: 1, stage: 1, plan_version: 0, accuracy }));
}

const description = { experiment: 'ttacc', scale: 'small', command: 'dynpipe experiment ttacc', machine: '2 cores', workload: 'w', interference: 'i', targetAccuracy: 0.7 };

describe('experiment summary', () => {
  // pipedream: 11 completions 100 ms apart (1000 ms: 320 samples/s), reaches 70 % at 900 ms
  // dynpipe: 11 completions 50 ms apart (640 samples/s), reaches 70 % at 300 ms, one repartition at 120 ms;
  // its last row is the eval at 500 ms (duration)
  const runs: LoggedRun[] = [
    {
      name: 'pipedream', mode: 'pipedream', model: 'mlp', microbatchSize: 32, loadAverage: { start: 1.5, end: 2 },
      rows: [...steps(0, 100, 11), ...evals([[500, 0.5], [900, 0.72], [1000, 0.75]])],
    },
    {
      name: 'dynpipe', mode: 'dynpipe', model: 'mlp', microbatchSize: 32,
      rows: [
        ...steps(0, 50, 11), ...evals([[200, 0.6], [300, 0.7], [500, 0.74]]),
        { row: 'repartition', time_ms: 120, rank: 1, stage: 1, plan_version: 1, pause_ms: 5, old_partition: [1, 1], new_partition: [2, 1] },
      ],
    },
    { name: 'simple', mode: 'simple', model: 'mlp', microbatchSize: 32, rows: [...steps(0, 100, 3), ...evals([[200, 0.4]])] },
  ];

  it('derives each run from its logs and its ratios from the pipedream run of the same model', () => {
    const s = summarizeExperiment(description, runs);
    const [pd, dyn, simple] = s.runs;
    assert.deepEqual([pd.throughput_samples_per_s, dyn.throughput_samples_per_s, simple.throughput_samples_per_s], [320, 640, 320]);
    assert.deepEqual([pd.time_to_target_ms, dyn.time_to_target_ms, simple.time_to_target_ms], [900, 300, null]);
    assert.deepEqual([pd.final_accuracy, dyn.final_accuracy, simple.final_accuracy], [0.75, 0.74, 0.4]);
    assert.deepEqual([pd.time_to_target_speedup, dyn.time_to_target_speedup, simple.time_to_target_speedup], [1, 3, null]);
    assert.deepEqual([pd.throughput_speedup, dyn.throughput_speedup, simple.throughput_speedup], [1, 2, 1]);
    assert.deepEqual([dyn.repartitions, dyn.first_repartition_ms, pd.first_repartition_ms], [1, 120, null]);
    assert.equal(pd.duration_ms, 1000);
  });

  it('splits throughput at the interference: before its start, and from its start to its end', () => {
    // interference (300, 800]: quiet completions 0..300 (4 over 300 ms), interfered 400..800 (5 over 400 ms)
    const rows: RankLogRow[] = [...steps(0, 100, 11), { row: 'interference', time_ms: 300, rank: 0, stage: 0, plan_version: 0, duration_ms: 500, level: 'heavy' }];
    const [r] = summarizeExperiment(description, [{ name: 'pipedream', mode: 'pipedream', model: 'mlp', microbatchSize: 32, rows }]).runs;
    assert.equal(r.throughput_quiet, (3 * 32) / 0.3);
    assert.equal(r.throughput_interfered, (4 * 32) / 0.4);
    assert.equal(r.retained, 320 / ((3 * 32) / 0.3));
    const [none] = summarizeExperiment(description, runs).runs;
    assert.deepEqual([none.throughput_quiet, none.throughput_interfered, none.retained], [320, null, null]);
    assert.deepEqual(none.load_average, { start: 1.5, end: 2 });
    assert.equal(summarizeExperiment(description, runs).runs[1].load_average, null);
  });

  it('has no ratio without a pipedream run of that model', () => {
    const s = summarizeExperiment({ ...description, targetAccuracy: null }, [{ ...runs[1], model: 'other' }]);
    assert.equal(s.runs[0].throughput_speedup, null);
    assert.equal(s.runs[0].time_to_target_ms, null);
  });

  it('prints and parses back to the same value, and rejects a bad field naming it', () => {
    const s = summarizeExperiment(description, runs);
    assert.deepEqual(parseExperimentSummary(printExperimentSummary(s)), s);
    const bad = printExperimentSummary(s).replace('"repartitions": 1', '"repartitions": -1');
    assert.throws(() => parseExperimentSummary(bad, 'x.json'), (e: unknown) => isDynpipeError(e, 'E_LOG_PARSE') && /^x\.json: runs\.1\.repartitions/.test(e.message));
  });

  it('prints a table with one line per run', () => {
    const lines = formatExperimentTable(summarizeExperiment(description, runs)).split('\n');
    assert.equal(lines.length, 4);
    assert.match(lines[0], /^run\s+samples\/s\s+x pipedream\s+kept under interference\s+load\s+s to 70%\s+x pipedream\s+final acc\s+changes\s+duration s$/);
    assert.match(lines[1], /^pipedream\s+320\.0\s+1\.00\s+n\/a\s+1\.5-2\.0\s+0\.9\s+1\.00\s+75\.0%\s+0\s+1\.0$/);
    assert.match(lines[2], /^dynpipe\s+640\.0\s+2\.00\s+n\/a\s+n\/a\s+0\.3\s+3\.00\s+74\.0%\s+1\s+0\.5$/);
  });
});
