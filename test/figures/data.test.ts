/** The plotted series, checked against numbers worked out by hand from test/fixtures/run-logs.ts. */
import { strict as assert } from 'node:assert';
import {
  busyBars,
  levelBars,
  planSegments,
  predictorAccuracy,
  progressSeries,
  runLabels,
  throughputBars,
  timelines,
  mergeSpans,
  type Run,
} from '../../figures/data.js';
import { isDynpipeError } from '../../runtime/errors.js';
import { fixtureRuns } from './runs.js';

const near = (a: number, b: number) => Math.abs(a - b) < 1e-9;

describe('figure data', () => {
  const runs = fixtureRuns();
  const [dyn, pd] = runs;
  const noSummary = (r: Run): Run => ({ ...r, summary: null });

  it('labels runs by mode, by directory without a summary, and keeps labels unique', () => {
    assert.deepEqual(runLabels(runs), ['dynpipe', 'pipedream']);
    assert.deepEqual(runLabels([dyn, noSummary(pd)]), ['dynpipe', 'run-b']);
    assert.deepEqual(runLabels([dyn, dyn]), ['dynpipe [run-a]', 'dynpipe [run-a]']);
    const other = { ...pd, summary: { ...pd.summary!, model: 'resnet50' } };
    assert.deepEqual(runLabels([dyn, other]), ['dynpipe (vgg16)', 'pipedream (resnet50)']);
  });

  it('plots accuracy when logged, with the shared target; else eval loss; else training loss', () => {
    const acc = progressSeries(runs);
    assert.equal(acc.metric, 'accuracy');
    assert.equal(acc.target, 0.5);
    assert.deepEqual(
      acc.points.filter((p) => p.run === 'dynpipe').map((p) => [p.time_s, p.value]),
      [
        [1.4, 0.3],
        [2.1, 0.55],
        [2.6, 0.72],
      ],
    );
    const withoutAccuracy = runs.map((r) => ({ ...r, rows: r.rows.map((row) => (row.row === 'eval' ? { ...row, accuracy: undefined } : row)) }));
    const evalLoss = progressSeries(withoutAccuracy);
    assert.equal(evalLoss.metric, 'eval loss'); // only dynpipe logged eval loss (1 - accuracy)
    assert.equal(evalLoss.target, null);
    assert.deepEqual(evalLoss.points.map((p) => p.run), ['dynpipe', 'dynpipe', 'dynpipe']);
    assert.ok(near(evalLoss.points[0].value, 0.7));
    const noEval = runs.map((r) => ({ ...r, rows: r.rows.filter((row) => row.row !== 'eval') }));
    const training = progressSeries(noEval);
    assert.equal(training.metric, 'training loss');
    assert.equal(training.points.length, 24); // 12 last-stage steps per run, each with a loss
    const noLoss = noEval.map((r) => ({ ...r, rows: r.rows.map((row) => (row.row === 'step' ? { ...row, loss: undefined } : row)) }));
    assert.throws(() => progressSeries(noLoss), (e: unknown) => isDynpipeError(e, 'E_DATA'));
  });

  it('throughput bars come from the summaries and need one per run', () => {
    const bars = throughputBars(runs);
    assert.deepEqual(bars.map((b) => [b.model, b.mode]), [['vgg16', 'dynpipe'], ['vgg16', 'pipedream']]);
    assert.ok(near(bars[0].samples_per_s, 88 / 1.52) && near(bars[1].samples_per_s, 88 / 1.25));
    assert.throws(() => throughputBars([dyn, noSummary(pd)]), (e: unknown) => isDynpipeError(e, 'E_DATA') && /run run-b has no summary.json/.test(e.message));
  });

  it('busy bars: one per run, rank and plan version', () => {
    const bars = busyBars(runs);
    assert.equal(bars.length, 6 + 3);
    const d1 = bars.find((b) => b.run === 'dynpipe' && b.rank === 1 && b.plan_version === 1)!;
    assert.equal(d1.rank_label, 'rank 1 · stage 1');
    assert.ok(near(d1.busy_fraction, (5 * 50) / 570));
  });

  it('timelines carry iteration times in seconds, windows and labelled repartitions', () => {
    const [t] = timelines([dyn]);
    assert.deepEqual(t.iterations.map((i) => i.iteration_ms), [100, 100, 100, 150, 150, 350, 110, 110, 110, 120, 120]);
    assert.equal(t.iterations[0].time_s, 1.12);
    assert.deepEqual(t.windows, [
      { rank: 1, level: 'heavy', start_s: 1.325, end_s: 1.725 },
      { rank: 2, level: 'light', start_s: 2.305, end_s: 2.605 },
    ]);
    assert.deepEqual(t.repartitions, [{ plan_version: 1, time_s: 1.7, pause_ms: 220, label: 'v1: pause 220 ms' }]);
    assert.deepEqual(t.shading, [
      { level: 'light', start_s: 2.305, end_s: 2.605 },
      { level: 'heavy', start_s: 1.325, end_s: 1.725 },
    ]);
  });

  it('shading merges overlapping and touching windows of one level, never across levels', () => {
    const spans = mergeSpans([
      { level: 'heavy', start_s: 5, end_s: 9 },
      { level: 'heavy', start_s: 1, end_s: 3 },
      { level: 'heavy', start_s: 2, end_s: 4 },
      { level: 'light', start_s: 3.5, end_s: 6 },
      { level: 'heavy', start_s: 9, end_s: 10 },
    ]);
    assert.deepEqual(spans, [
      { level: 'light', start_s: 3.5, end_s: 6 },
      { level: 'heavy', start_s: 1, end_s: 4 },
      { level: 'heavy', start_s: 5, end_s: 10 },
    ]);
  });

  it('level bars average iteration times by the level in force at their end', () => {
    const got = levelBars(runs).map((b) => [b.run, b.level, b.iterations, b.mean_iteration_ms]);
    const want = [
      ['dynpipe', 'none', 7, (3 * 100 + 350 + 3 * 110) / 7],
      ['dynpipe', 'light', 2, 120],
      ['dynpipe', 'heavy', 2, 150],
      ['pipedream', 'none', 9, (3 * 100 + 150 + 5 * 100) / 9],
      ['pipedream', 'heavy', 2, 150],
    ];
    assert.equal(got.length, want.length);
    got.forEach((g, i) => {
      assert.deepEqual(g.slice(0, 3), want[i].slice(0, 3));
      assert.ok(near(g[3] as number, want[i][3] as number), `${g[0]} ${g[1]}: ${g[3]}`);
    });
  });

  it('predictor accuracy pairs predicted with measured slowdown; MAPE in percent', () => {
    const { points, mape_percent } = predictorAccuracy(runs);
    assert.deepEqual(points.map((p) => [p.run, p.level, p.predicted]), [['dynpipe', 'heavy', 2], ['dynpipe', 'light', 1.3], ['pipedream', 'heavy', 2]]);
    const expected = (100 * ((2 - 1.8) / 1.8 + (1.3 - 1.2) / 1.2 + (2 - 1.8) / 1.8)) / 3;
    assert.ok(Math.abs(mape_percent - expected) < 1e-9, `MAPE ${mape_percent} vs ${expected}`);
    assert.throws(() => predictorAccuracy([{ ...pd, rows: pd.rows.filter((r) => r.row !== 'interference') }]), (e: unknown) => isDynpipeError(e, 'E_DATA'));
  });

  it('plan segments: the initial plan then each new one, stage by stage', () => {
    const segs = planSegments(runs).map((s) => [s.plan, s.stage, s.start_block, s.end_block]);
    assert.deepEqual(segs, [
      ['initial', 0, 0, 3],
      ['initial', 1, 3, 6],
      ['initial', 2, 6, 9],
      ['v1 at 1.7 s', 0, 0, 4],
      ['v1 at 1.7 s', 1, 4, 6],
      ['v1 at 1.7 s', 2, 6, 9],
    ]);
    assert.throws(() => planSegments([pd]), (e: unknown) => isDynpipeError(e, 'E_DATA') && /figure plan-changes: the logs have no repartition rows/.test(e.message));
  });
});
