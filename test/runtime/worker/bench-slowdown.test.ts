import { strict as assert } from 'node:assert';
import { parseSlowSpans, slowFactor } from '../../../runtime/worker/bench-slowdown.js';
import { isDynpipeError } from '../../../runtime/errors.js';

describe('bench slowdown hook', () => {
  it('parses time and microbatch spans and multiplies overlapping factors', () => {
    const spans = parseSlowSpans('1:2:1000-3000, 1:1.5:2000-,2:4:10mb-20mb');
    assert.deepEqual(spans, [
      { rank: 1, factor: 2, unit: 'ms', from: 1000, to: 3000 },
      { rank: 1, factor: 1.5, unit: 'ms', from: 2000, to: Infinity },
      { rank: 2, factor: 4, unit: 'mb', from: 10, to: 20 },
    ]);
    assert.equal(slowFactor(spans, 1, 999, 0), 1);
    assert.equal(slowFactor(spans, 1, 2500, 0), 3);
    assert.equal(slowFactor(spans, 1, 5000, 0), 1.5);
    assert.equal(slowFactor(spans, 2, 0, 19), 4);
    assert.equal(slowFactor(spans, 2, 0, 20), 1);
  });

  it('rejects malformed spans naming them', () => {
    for (const bad of ['1:2:5-3', '1:0.5:0-', 'x:2:0-1', '1:2:3mb-9']) {
      assert.throws(() => parseSlowSpans(bad), (e: unknown) => isDynpipeError(e, 'E_USAGE') && e.message.includes(`'${bad}'`));
    }
  });
});
