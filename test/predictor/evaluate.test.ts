import { strict as assert } from 'node:assert';
import { evaluateModels, groupedSplit, mape, permutationImportance, r2 } from '../../predictor/evaluate.js';
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
});
