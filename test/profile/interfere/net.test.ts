import { strict as assert } from 'node:assert';
import { combineDelays, netDelayHook } from '../../../profile/interfere/net.js';
import { isDynpipeError } from '../../../runtime/errors.js';

describe('net interference hook', () => {
  it('delays by intensity * (base + per-MB) plus bounded jitter, replayable from its seed', () => {
    const a = netDelayHook(0.5, { baseMs: 10, perMbMs: 4, jitterMs: 2, seed: 3 });
    const b = netDelayHook(0.5, { baseMs: 10, perMbMs: 4, jitterMs: 2, seed: 3 });
    const xs = [0, 1e6, 5e6].map((bytes) => a(1, bytes));
    assert.deepEqual([0, 1e6, 5e6].map((bytes) => b(1, bytes)), xs);
    [5, 7, 15].forEach((base, i) => assert.ok(xs[i] >= base && xs[i] < base + 1, `${xs[i]} vs ${base}`));
    const noJitter = netDelayHook(1, { baseMs: 3, perMbMs: 0, jitterMs: 0 });
    assert.equal(noJitter(0, 123), 3);
    assert.equal(combineDelays([noJitter, noJitter])!(0, 0), 6);
    assert.equal(combineDelays([]), null);
    assert.throws(() => netDelayHook(0), (e: unknown) => isDynpipeError(e, 'E_USAGE'));
    assert.throws(() => netDelayHook(1, { baseMs: -1 }), (e: unknown) => isDynpipeError(e, 'E_USAGE') && /baseMs/.test(e.message));
  });
});
