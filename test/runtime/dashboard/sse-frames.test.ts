import { strict as assert } from 'node:assert';
import { SseFrameReader } from '../../../runtime/dashboard/sse-frames.js';

describe('SseFrameReader', () => {
  it('returns each data frame once it is complete, across chunk boundaries, and skips comments', () => {
    const reader = new SseFrameReader();
    assert.deepEqual(reader.push('data: {"a":'), []);
    assert.deepEqual(reader.push('1}\n'), []);
    assert.deepEqual(reader.push('\n: keep-alive\n\ndata: [2,3]\n\ndata: "x'), [{ a: 1 }, [2, 3]]);
    assert.deepEqual(reader.push('"\n\n'), ['x']);
  });

  it('throws on a data frame that is not JSON', () => {
    assert.throws(() => new SseFrameReader().push('data: {oops\n\n'), SyntaxError);
  });
});
