import { strict as assert } from 'node:assert';
import { SlowdownForest } from '../../predictor/forest.js';
import { predictRangeMs, predictRangeSlowdown, profiledRangeMs } from '../../predictor/predict.js';
import { staticFeatures } from '../../predictor/features.js';
import type { Profile } from '../../profile/format.js';
import { isDynpipeError } from '../../runtime/errors.js';
import { quietDevice, syntheticRows, tinySpec } from './fixtures.js';

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
});
