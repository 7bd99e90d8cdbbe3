import { strict as assert } from 'node:assert';
import { SlowdownForest } from '../../predictor/forest.js';
import { predictRangeMs, predictRangeSlowdown, predictRangesSlowdown, profiledRangeMs } from '../../predictor/predict.js';
import { staticFeatures } from '../../predictor/features.js';
import type { Profile } from '../../profile/format.js';
import { isDynpipeError } from '../../runtime/errors.js';
import { quietDevice, rangeRows, syntheticRows, tinyRanges, tinySpec, trueRangeSlowdown } from './fixtures.js';
import { mape } from '../../predictor/evaluate.js';

function profileOf(batch: number): Profile {
  const blocks = tinySpec().blocks.map((b, i) => ({ name: b.name, kind: b.kind, forward_ms: i + 1, backward_ms: 2 * (i + 1), activation_bytes: 0, param_bytes: 0, flops: 0 }));
  return { version: 1, model: { name: 'tiny', args: {} }, batch_size: batch, backend: 'wasm', device: 'test', date: '2025-01-01T00:00:00Z', source: 'measured', blocks };
}

describe('predictor queries for a block range', () => {
  it("sums the range's forward and backward times from a matching profile", () => {
    assert.equal(profiledRangeMs(profileOf(8), tinySpec(), 1, 3, 8), 3 * 2 + 3 * 3);
    assert.throws(() => profiledRangeMs(profileOf(16), tinySpec(), 1, 3, 8, 'p.json'), (e: unknown) => isDynpipeError(e, 'E_PREDICTOR') && e.message === 'p.json: batch_size is 16, the range runs at 8');
    const other = { ...profileOf(8), model: { name: 'vgg16', args: {} } };
    assert.throws(() => profiledRangeMs(other, tinySpec(), 0, 1, 8, 'p.json'), (e: unknown) => isDynpipeError(e, 'E_PREDICTOR') && /profiles vgg16 with 4 blocks, not tiny/.test(e.message));
    assert.throws(() => profiledRangeMs(profileOf(8), tinySpec(), 3, 5, 8), (e: unknown) => isDynpipeError(e, 'E_PREDICTOR'));
  });

  it('asks the forest about the range with its profiled time and scales that time by the answer', () => {
    const rows = syntheticRows(10, 4, 5);
    const forest = SlowdownForest.train(rows.map((r) => r.x), rows.map((r) => r.y), { trees: 3, seed: 1 });
    const device = { ...quietDevice(), cpu_peer: 1.2 };
    const slowdown = predictRangeSlowdown(forest, tinySpec(), 0, 2, 4, 6, device);
    assert.equal(slowdown, forest.predictOne(staticFeatures(tinySpec(), 0, 2, 4, 6), device));
    assert.equal(predictRangeMs(forest, tinySpec(), 0, 2, 4, 6, device), 6 * slowdown);
  });

  it('predicts how a different block range would run on a device, from features observed while another ran there', () => {
    const train = rangeRows(40, 1, 21);
    const forest = SlowdownForest.train(train.map((r) => r.x), train.map((r) => r.y), { trees: 15, maxRowsPerTree: 300, minNodeSamples: 2, seed: 4 });
    const spec = tinySpec();
    const ranges = tinyRanges();
    // Device states never trained on; in each, one observer ran and we ask about every range.
    const unseen = rangeRows(12, 1, 22);
    const actual: number[] = [];
    const predicted: number[] = [];
    let ordered = 0;
    let pairs = 0;
    for (let m = 0; m < 12; m++) {
      const device = unseen[m * ranges.length].device;
      for (const batch of [4, 16]) {
        const mine = ranges.filter((r) => r.batch === batch);
        const p = predictRangesSlowdown(forest, spec, mine, batch, device);
        const truth = mine.map((r) => trueRangeSlowdown(staticFeatures(spec, r.start, r.end, batch, r.aloneMs), device));
        p.forEach((x, i) => assert.equal(x, predictRangeSlowdown(forest, spec, mine[i].start, mine[i].end, batch, mine[i].aloneMs, device)));
        actual.push(...truth);
        predicted.push(...p);
        // Wherever the truth separates two ranges by 15% or more, the prediction ranks them alike.
        truth.forEach((a, i) => truth.forEach((b, j) => {
          if (a > 1.15 * b) {
            pairs++;
            if (p[i] > p[j]) ordered++;
          }
        }));
      }
    }
    const floor = mape(actual, actual.map(() => train.reduce((s, r) => s + r.y, 0) / train.length));
    const got = mape(actual, predicted);
    assert.ok(floor > 15, `the structure must matter: the mean predicts ${floor.toFixed(1)}%`);
    assert.ok(got < 8, `held-out MAPE over every (device state, range) ${got.toFixed(2)}% (mean: ${floor.toFixed(1)}%)`);
    assert.ok(pairs > 50 && ordered / pairs > 0.9, `${ordered} of ${pairs} clearly different pairs ranked right`);
  });
});
