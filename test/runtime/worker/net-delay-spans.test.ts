import assert from 'node:assert/strict';
import { activeSpans, changeTimes, formatNetDelaySpans, parseNetDelaySpans, scheduleNetDelay } from '../../../runtime/worker/net-delay-spans.js';
import { isDynpipeError } from '../../../runtime/errors.js';
import type { SendDelay } from '../../../runtime/transport/send-delay.js';

describe('net delay spans', () => {
  it('parses spans, an open end included, and prints them back', () => {
    const spans = parseNetDelaySpans('5000-12000:1, 20000-:0.5');
    assert.deepEqual(spans, [
      { fromMs: 5000, toMs: 12000, intensity: 1 },
      { fromMs: 20000, toMs: Infinity, intensity: 0.5 },
    ]);
    assert.equal(formatNetDelaySpans(spans), '5000-12000:1,20000-:0.5');
    assert.deepEqual(parseNetDelaySpans(formatNetDelaySpans(spans)), spans);
  });

  it('rejects bad spans naming the flag and the span', () => {
    assert.throws(() => parseNetDelaySpans('5-2:1'), (e) => isDynpipeError(e, 'E_USAGE') && /--net-delay: span '5-2:1' ends before it starts/.test(e.message));
    assert.throws(() => parseNetDelaySpans('0-9:1.5'), (e) => isDynpipeError(e, 'E_USAGE') && /intensity in '0-9:1.5'/.test(e.message));
    assert.throws(() => parseNetDelaySpans('soon'), (e) => isDynpipeError(e, 'E_USAGE') && /'soon' is not/.test(e.message));
  });

  it('knows which spans are in force ([from, to)) and when that can change', () => {
    const spans = parseNetDelaySpans('0-100:1,50-:0.5');
    assert.deepEqual([0, 49, 50, 99, 100, 1e9].map((t) => activeSpans(spans, t)), [[0], [0], [0, 1], [0, 1], [1], [1]]);
    assert.deepEqual(changeTimes(spans), [0, 50, 100]);
  });

  it('applies the delay of the spans in force at once: intensity * (5 ms + 2 ms/MB) plus jitter below 2 ms', () => {
    const applied: Array<SendDelay | null> = [];
    const cancel = scheduleNetDelay(parseNetDelaySpans('0-60000:1'), () => 1000, (d) => applied.push(d));
    cancel();
    assert.equal(applied.length, 1);
    const ms = applied[0]!(1, 1e6);
    assert.ok(ms >= 7 && ms < 9, `delay ${ms}`);
    const none: Array<SendDelay | null> = [];
    scheduleNetDelay(parseNetDelaySpans('5000-6000:1'), () => 1000, (d) => none.push(d))();
    assert.deepEqual(none, [null]);
  });
});
