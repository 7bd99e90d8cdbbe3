import { strict as assert } from 'node:assert';
import { SlowdownForest } from '../../predictor/forest.js';
import { mape } from '../../predictor/evaluate.js';
import { FEATURE_NAMES, fromVector } from '../../predictor/features.js';
import { isDynpipeError } from '../../runtime/errors.js';
import { syntheticRows, trueSlowdown } from './fixtures.js';

describe('slowdown forest', () => {
  const train = syntheticRows(80, 4, 11);
  const test = syntheticRows(20, 6, 12); // other device states: unseen mixes
  let forest: SlowdownForest; // fits ln(slowdown), the default
  let rawForest: SlowdownForest; // fits slowdown itself
  before(() => {
    forest = SlowdownForest.train(train.map((r) => r.x), train.map((r) => r.y), { trees: 20, seed: 3 });
    rawForest = SlowdownForest.train(train.map((r) => r.x), train.map((r) => r.y), { trees: 20, seed: 3, logTarget: false });
  });

  it('recovers a known nonlinear function of the features on held-out device states', () => {
    const yTest = test.map((r) => r.y);
    const meanTrain = train.reduce((s, r) => s + r.y, 0) / train.length;
    const floor = mape(yTest, yTest.map(() => meanTrain));
    assert.ok(floor > 12, `the structure must matter: predicting the mean gives ${floor.toFixed(1)}%`);
    for (const [name, f] of [['log target', forest], ['raw target', rawForest]] as const) {
      const got = mape(yTest, f.predict(test.map((r) => r.x)));
      assert.ok(got < 7, `${name}: held-out MAPE ${got.toFixed(2)}% (mean predictor: ${floor.toFixed(1)}%)`);
    }
  });

  it('predicts the interaction: the same device slows a low-intensity range more than a high-intensity one', () => {
    // Noise features from a held-out row, so the point lies inside the training distribution.
    const base = fromVector(test[0].x);
    const device = { ...base.device, cpu_peer: 0.3, membw_probe_gbps: 7 };
    const low = { ...base.static, flops_per_byte: 2 };
    const high = { ...base.static, flops_per_byte: 95 };
    // The raw-target forest: its leaves average slowdowns, so a noise-free structure is not biased low.
    const [pLow, pHigh] = [rawForest.predictOne(low, device), rawForest.predictOne(high, device)];
    const [eLow, eHigh] = [trueSlowdown(low, device), trueSlowdown(high, device)]; // 2.42 and 1.46
    const msg = `predicted ${pLow.toFixed(3)} / ${pHigh.toFixed(3)}, true ${eLow.toFixed(3)} / ${eHigh.toFixed(3)}`;
    assert.ok(pLow - pHigh > 0.4, msg);
    assert.ok(Math.abs(pLow - eLow) / eLow < 0.15, msg);
    assert.ok(Math.abs(pHigh - eHigh) / eHigh < 0.15, msg);
  });

  it('trains deterministically from its seed', () => {
    const small = train.slice(0, 60);
    const grown: string[] = [];
    const fit = (seed: number): SlowdownForest => SlowdownForest.train(small.map((r) => r.x), small.map((r) => r.y), { trees: 4, maxRowsPerTree: 40, seed }, (n, t) => grown.push(`${n}/${t}`));
    const x = test.map((r) => r.x);
    fit(5);
    assert.deepEqual(grown, ['1/4', '2/4', '3/4', '4/4']);
    assert.deepEqual(fit(5).predict(x), fit(5).predict(x));
    assert.notDeepEqual(fit(5).predict(x), fit(6).predict(x));
  });

  it('predicts identically after a JSON round trip through text', () => {
    const loaded = SlowdownForest.fromJSON(JSON.parse(JSON.stringify(forest.toJSON())), 'f.json');
    const x = test.map((r) => r.x);
    assert.deepEqual(loaded.predict(x), forest.predict(x));
    assert.deepEqual(loaded.options, forest.options);
    const loadedRaw = SlowdownForest.fromJSON(JSON.parse(JSON.stringify(rawForest.toJSON())), 'f.json');
    assert.deepEqual(loadedRaw.predict(x), rawForest.predict(x));
    assert.equal(loaded.trainedRows, train.length);
  });

  it('refuses malformed files with E_PREDICTOR naming the file and field', () => {
    const good = JSON.parse(JSON.stringify(forest.toJSON())) as Record<string, any>;
    const bad = (mutate: (f: Record<string, any>) => void, pattern: RegExp): void => {
      const f = JSON.parse(JSON.stringify(good)) as Record<string, any>;
      mutate(f);
      assert.throws(() => SlowdownForest.fromJSON(f, 'f.json'), (e: unknown) => isDynpipeError(e, 'E_PREDICTOR') && pattern.test(e.message), pattern.source);
    };
    bad((f) => (f.format = 'something-else'), /^f\.json: format:/);
    bad((f) => delete f.trained_rows, /^f\.json: trained_rows:/);
    bad((f) => (f.features = [...FEATURE_NAMES].reverse()), /^f\.json: features: trained on/);
    bad((f) => f.forest.baseModel.estimators.pop(), /^f\.json: forest: 19 trees/);
    bad((f) => (f.forest.baseModel.indexes[0][0] = FEATURE_NAMES.length), /^f\.json: forest\.baseModel\.indexes\.0: column/);
    bad((f) => (f.forest.baseModel.estimators[2].root.splitColumn = 999), /^f\.json: forest\.baseModel\.estimators\.2: splitColumn 999/);
    bad((f) => (f.forest.baseModel.estimators[1].root = { nonsense: true }), /^f\.json: forest\.baseModel\.estimators\.1\.root/);
    assert.throws(() => SlowdownForest.fromJSON('not an object', 'f.json'), (e: unknown) => isDynpipeError(e, 'E_PREDICTOR'));
  });

  it('refuses training data of the wrong width or with non-finite values', () => {
    assert.throws(() => SlowdownForest.train([[1, 2], [3, 4]], [1, 2]), (e: unknown) => isDynpipeError(e, 'E_PREDICTOR') && /2 values, expected/.test(e.message));
    const x = train.slice(0, 3).map((r) => [...r.x]);
    x[1][0] = NaN;
    assert.throws(() => SlowdownForest.train(x, [1, 1, 1]), (e: unknown) => isDynpipeError(e, 'E_PREDICTOR') && /row 1/.test(e.message));
  });
});
