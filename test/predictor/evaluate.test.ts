import { strict as assert } from 'node:assert';
import { evaluateModels, groupedFolds, groupedSplit, mape, permutationImportance, r2 } from '../../predictor/evaluate.js';
import { FEATURE_NAMES } from '../../predictor/features.js';
import { isDynpipeError } from '../../runtime/errors.js';
import { syntheticRows } from './fixtures.js';

describe('predictor evaluation', () => {
  it('computes MAPE and R² by their definitions', () => {
    assert.equal(mape([2, 4], [3, 3]), 37.5); // (0.5 + 0.25) / 2
    assert.equal(r2([1, 2, 3], [1, 2, 3]), 1);
    assert.equal(r2([1, 2, 3], [2, 2, 2]), 0);
    assert.equal(r2([1, 2, 3], [1, 1, 4]), 1 - 2 / 2);
    assert.throws(() => mape([0, 1], [1, 1]), (e: unknown) => isDynpipeError(e, 'E_PREDICTOR'));
    assert.throws(() => mape([1], [1, 2]), (e: unknown) => isDynpipeError(e, 'E_PREDICTOR'));
  });

  it('never puts a group on both sides of the split, keeps every item, and replays from the seed', () => {
    const items = Array.from({ length: 50 }, (_, i) => ({ i, group: `g${i % 7}` }));
    for (const seed of [1, 2, 3, 4, 5]) {
      const s = groupedSplit(items, (t) => t.group, 0.3, seed);
      const train = new Set(s.train.map((t) => t.group));
      const test = new Set(s.test.map((t) => t.group));
      assert.deepEqual([...train].filter((g) => test.has(g)), []);
      assert.equal(s.train.length + s.test.length, items.length);
      assert.equal(s.testGroups.length, 2); // round(7 * 0.3)
      assert.deepEqual([...test].sort(), s.testGroups);
      assert.deepEqual(groupedSplit(items, (t) => t.group, 0.3, seed), s);
    }
    const picks = new Set([1, 2, 3, 4, 5].map((seed) => groupedSplit(items, (t) => t.group, 0.3, seed).testGroups.join()));
    assert.ok(picks.size > 1, 'different seeds choose different test mixes');
    assert.throws(() => groupedSplit([{ group: 'a' }], (t) => t.group, 0.3, 1), (e: unknown) => isDynpipeError(e, 'E_PREDICTOR') && /2 mixes/.test(e.message));
  });

  it('gives zero importance to a column the model ignores and the most to the one it uses', () => {
    const x = Array.from({ length: 40 }, (_, i) => [1 + (i % 10), (i * 7) % 13, 5]);
    const y = x.map((r) => 2 * r[0]);
    const imp = permutationImportance((rows) => rows.map((r) => 2 * r[0]), x, y, 9);
    assert.ok(imp[0] > 10, `used column rises ${imp[0]}`);
    assert.equal(imp[1], 0);
    assert.equal(imp[2], 0);
  });

  it('scores the forest above the linear and mean baselines on data with nonlinear structure', () => {
    const tagged = syntheticRows(80, 3, 21).map((r, i) => ({ ...r, tag: i % 3 === 0 ? 'first' : 'rest' }));
    const report = evaluateModels(tagged, { testFraction: 0.25, seed: 5, forest: { trees: 12, maxRowsPerTree: 150 }, importanceRepeats: 1 });
    assert.equal(report.testGroups.length, 20);
    assert.equal(report.testRows, 60);
    assert.equal(report.trainRows, 180);
    assert.ok(report.forest.mapePercent < report.linear.mapePercent, JSON.stringify(report.forest) + JSON.stringify(report.linear));
    assert.ok(report.forest.mapePercent < report.mean.mapePercent);
    // The observer-ratio baseline predicts each test row's own self_compute_ratio column.
    const ratio = FEATURE_NAMES.indexOf('self_compute_ratio');
    const split = groupedSplit(tagged, (r) => r.group, 0.25, 5);
    assert.equal(report.observerRatio.mapePercent, mape(split.test.map((r) => r.y), split.test.map((r) => r.x[ratio])));
    assert.ok(report.forest.r2 > 0.75, `forest R² ${report.forest.r2}`);
    assert.equal(report.importance.length, FEATURE_NAMES.length);
    // Tagged subsets partition the test rows, so their row-weighted MAPE is the overall MAPE.
    const { first, rest } = report.forestByTag;
    assert.equal(first.rows + rest.rows, report.testRows);
    const weighted = (first.mapePercent * first.rows + rest.mapePercent * rest.rows) / report.testRows;
    assert.ok(Math.abs(weighted - report.forest.mapePercent) < 1e-9);
    // The structure uses cpu_peer, membw_probe_gbps and flops_per_byte: the top three.
    assert.deepEqual(report.importance.slice(0, 3).map((i) => i.feature).sort(), ['cpu_peer', 'flops_per_byte', 'membw_probe_gbps']);
  });

  it('deals groups into k folds: each held out exactly once, fold sizes within one group, replayable', () => {
    const items = Array.from({ length: 7 * 3 }, (_, i) => ({ g: `m${i % 7}`, i }));
    const folds = groupedFolds(items, (t) => t.g, 3, 9);
    assert.deepEqual(folds.map((f) => f.testGroups.length).sort(), [2, 2, 3]);
    assert.deepEqual(folds.flatMap((f) => f.testGroups).sort(), ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6']);
    for (const f of folds) {
      assert.equal(f.train.length + f.test.length, items.length);
      assert.ok(f.test.every((t) => f.testGroups.includes(t.g)) && f.train.every((t) => !f.testGroups.includes(t.g)));
      assert.deepEqual([...f.trainGroups, ...f.testGroups].sort(), [...new Set(items.map((t) => t.g))].sort());
    }
    assert.deepEqual(groupedFolds(items, (t) => t.g, 3, 9), folds);
    assert.throws(() => groupedFolds(items, (t) => t.g, 8, 1), (e: unknown) => isDynpipeError(e, 'E_PREDICTOR') && /k in \[2, 7\] \(the data has 7 mixes\)/.test(e.message));
  });

  it('cross-validates: every row is predicted once by models that never saw its mix', () => {
    const rows = syntheticRows(12, 3, 4);
    const report = evaluateModels(rows, { testFraction: 0.3, folds: 4, seed: 2, forest: { trees: 4 }, importanceRepeats: 1, quietGroup: 'mix0' });
    assert.equal(report.folds, 4);
    assert.equal(report.testRows, rows.length);
    assert.equal(report.trainRows, 3 * rows.length); // each row trains the 3 folds that do not hold it out
    assert.equal(report.testGroups.length, 12);
    const ratio = FEATURE_NAMES.indexOf('self_compute_ratio');
    assert.ok(Math.abs(report.observerRatio.mapePercent - mape(rows.map((r) => r.y), rows.map((r) => r.x[ratio]))) < 1e-9);
    assert.ok(report.forest.mapePercent < report.mean.mapePercent, JSON.stringify(report.forest));
    // Label noise: the constant 1 scored on the quiet group's rows.
    const quiet = rows.filter((r) => r.group === 'mix0');
    assert.deepEqual(report.quietNoise, { mapePercent: mape(quiet.map((r) => r.y), quiet.map(() => 1)), r2: r2(quiet.map((r) => r.y), quiet.map(() => 1)), rows: 3 });
    assert.equal(evaluateModels(rows, { testFraction: 0.3, seed: 2, forest: { trees: 2 }, importanceRepeats: 1 }).quietNoise, null);
  });
});
