/**
 * `dynpipe experiment ttacc --scale tiny`: the experiment driver end to end at its smallest scale
 * (four modes x 2 ranks x 16 microbatches, weight snapshots every 8). experiment.json must say what
 * the rank logs imply, recomputed here straight from the CSV rows, and the figures must exist.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseExperimentSummary, type ExperimentSummary } from '../../runtime/experiment/experiment-summary.js';
import { readRankLogs } from '../../runtime/log/rank-log-files.js';
import type { RankLogRow } from '../../runtime/log/rank-log.js';
import { runCli, tempDir } from '../support/cli.js';
import { DEJAVU_FONT_FILES, missingFonts } from '../../figures/fonts.js';

const MODES = ['pipedream', 'simple', 'dynpipe-re', 'dynpipe'];

/** Completion time per microbatch at the highest stage of its plan version, latest replica. */
function completions(rows: readonly RankLogRow[]): number[] {
  const steps = rows.flatMap((r) => (r.row === 'step' ? [r] : []));
  const top = new Map<number, number>();
  for (const s of steps) top.set(s.plan_version, Math.max(top.get(s.plan_version) ?? 0, s.stage));
  const done = new Map<number, number>();
  for (const s of steps) if (s.stage === top.get(s.plan_version)) done.set(s.microbatch, Math.max(done.get(s.microbatch) ?? 0, s.time_ms));
  return [...done.values()].sort((a, b) => a - b);
}

describe('dynpipe experiment ttacc --scale tiny', function () {
  let out: { dir: string; cleanup(): void };
  let summary: ExperimentSummary;
  let stdout = '';

  before(async function () {
    this.timeout(400_000);
    out = tempDir('dynpipe-experiment-');
    const r = await runCli(['experiment', 'ttacc', '--scale', 'tiny', '--out', out.dir], 380_000);
    assert.equal(r.code, 0, `experiment failed:\n${r.stderr.slice(-3000)}`);
    stdout = r.stdout;
    summary = parseExperimentSummary(readFileSync(join(out.dir, 'experiment.json'), 'utf8'), 'experiment.json');
  });

  after(() => out?.cleanup());

  it('runs the four modes on one workload and records the command', () => {
    assert.deepEqual(summary.runs.map((r) => r.mode), MODES);
    assert.equal(summary.experiment, 'ttacc');
    assert.equal(summary.target_accuracy, 0.1);
    assert.match(summary.command, /^dynpipe experiment ttacc --scale tiny --out /);
    for (const m of MODES) assert.ok(existsSync(join(out.dir, m, 'summary.json')), `${m}/summary.json`);
  });

  it('has one eval row per snapshot (after 8 and 16 microbatches) and no snapshot files left', async () => {
    for (const m of MODES) {
      const evals = (await readRankLogs(join(out.dir, m))).flatMap((r) => (r.row === 'eval' ? [r] : []));
      assert.deepEqual(evals.map((e) => e.iteration).sort((a, b) => a! - b!), [8, 16], m);
      assert.ok(evals.every((e) => e.accuracy! >= 0 && e.accuracy! <= 1 && e.loss! > 0));
      assert.equal(existsSync(join(out.dir, m, 'snapshots')), false);
    }
  });

  it('says what the logs imply: throughput, time to target, final accuracy, changes and ratios', async () => {
    const implied = await Promise.all(
      MODES.map(async (m) => {
        const rows = await readRankLogs(join(out.dir, m));
        const t = completions(rows);
        const evals = rows.flatMap((r) => (r.row === 'eval' ? [r] : [])).sort((a, b) => a.time_ms - b.time_ms);
        const reached = evals.filter((e) => e.accuracy! >= 0.1);
        const windows = rows.flatMap((r) => (r.row === 'interference' ? [r] : []));
        const start = Math.min(...windows.map((w) => w.time_ms));
        const end = Math.max(...windows.map((w) => w.time_ms + w.duration_ms));
        const rate = (xs: number[]) => (xs.length < 2 ? null : ((xs.length - 1) * 32) / ((xs[xs.length - 1] - xs[0]) / 1000));
        return {
          quiet: windows.length ? rate(t.filter((x) => x <= start)) : rate(t),
          interfered: windows.length ? rate(t.filter((x) => x > start && x <= end)) : null,
          throughput: ((t.length - 1) * 32) / ((t[t.length - 1] - t[0]) / 1000),
          ttt: reached.length ? reached[0].time_ms : null,
          final: evals[evals.length - 1].accuracy!,
          changes: new Set(rows.flatMap((r) => (r.row === 'repartition' ? [r.plan_version] : []))).size,
        };
      }),
    );
    summary.runs.forEach((r, i) => {
      const want = implied[i];
      assert.ok(Math.abs(r.throughput_samples_per_s! - want.throughput) < 1e-9, `${r.name} throughput`);
      assert.equal(r.time_to_target_ms, want.ttt, `${r.name} time to target`);
      assert.equal(r.final_accuracy, want.final, `${r.name} final accuracy`);
      assert.equal(r.repartitions, want.changes, `${r.name} repartitions`);
      assert.equal(r.throughput_quiet, want.quiet, `${r.name} quiet throughput`);
      assert.equal(r.throughput_interfered, want.interfered, `${r.name} interfered throughput`);
      assert.ok(r.load_average !== null && r.load_average.start >= 0, `${r.name} load average`);
      assert.ok(Math.abs(r.throughput_speedup! - want.throughput / implied[0].throughput) < 1e-9);
      if (want.ttt !== null && implied[0].ttt !== null) assert.ok(Math.abs(r.time_to_target_speedup! - implied[0].ttt / want.ttt) < 1e-9);
    });
  });

  it('draws the time-to-accuracy and iteration-time figures and prints the table', () => {
    for (const f of ['time-to-accuracy', 'iteration-time']) {
      assert.ok(existsSync(join(out.dir, `${f}.svg`)), `${f}.svg`);
      assert.equal(existsSync(join(out.dir, `${f}.png`)), missingFonts(DEJAVU_FONT_FILES).length === 0, `${f}.png exactly when the fonts are there`);
    }
    assert.match(stdout, /^run\s+samples\/s/m);
    for (const m of MODES) assert.match(stdout, new RegExp(`^${m}\\s+\\d`, 'm'));
  });
});
