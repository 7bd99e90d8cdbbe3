import { strict as assert } from 'node:assert';
import { delayMs, linkDelay, noDelay, onlyTo, withJitter } from '../../../runtime/transport/send-delay.js';
import { dynpipeError } from './helpers.js';

describe('transport send delay', () => {
  it('models a link as latency plus size over bandwidth', () => {
    const link = linkDelay({ bytesPerS: 1e9, latencyMs: 0.5 });
    assert.equal(link(3, 4_000_000), 4.5);
    assert.equal(link(3, 0), 0.5);
    assert.equal(noDelay(1, 1 << 30), 0);
  });

  it('adds uniform jitter from the given random source, and slows only the listed ranks', () => {
    const draws = [0, 0.5, 0.25];
    const jittered = withJitter(() => 10, 8, () => draws.shift() ?? 0);
    assert.deepEqual([jittered(0, 1), jittered(0, 1), jittered(0, 1)], [10, 14, 12]);
    const some = onlyTo([2, 5], () => 7);
    assert.deepEqual([0, 1, 2, 3, 4, 5].map((r) => some(r, 100)), [0, 0, 7, 0, 0, 7]);
  });

  it('rejects nonsense parameters and results with the offending value', () => {
    assert.throws(() => linkDelay({ bytesPerS: 0 }), dynpipeError('E_USAGE', /bandwidth must be a positive number of bytes\/s, got 0/));
    assert.throws(() => linkDelay({ bytesPerS: 1, latencyMs: -1 }), dynpipeError('E_USAGE', /latency must be a non-negative number of ms, got -1/));
    assert.throws(() => withJitter(noDelay, Number.POSITIVE_INFINITY, Math.random), dynpipeError('E_USAGE', /jitter must be a non-negative number of ms, got Infinity/));
    assert.equal(delayMs(() => 3, 1, 10), 3);
    assert.throws(() => delayMs(() => -2, 4, 10), dynpipeError('E_USAGE', /send delay for 10 bytes to rank 4 is -2/));
  });
});
