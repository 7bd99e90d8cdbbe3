import { strict as assert } from 'node:assert';
import { KnownInterference } from '../../../runtime/dashboard/known-interference.js';
import type { StepRow } from '../../../runtime/log/rank-log.js';
import { validateRow } from '../../../runtime/log/rank-log.js';
import { parseSlowSpans } from '../../../runtime/worker/bench-slowdown.js';

function step(rank: number, microbatch: number, time_ms: number, stage = rank, plan_version = 0): StepRow {
  return { row: 'step', time_ms, rank, stage, plan_version, iteration: microbatch, microbatch, forward_ms: 1, backward_ms: 1, recv_wait_ms: 0, send_wait_ms: 0, optimizer_ms: 0, samples_per_s: 1 };
}

describe('dashboard: interference the launcher knows of', () => {
  it('a span in ms shows once its rank reaches it; one without an end is no window', () => {
    const k = new KnownInterference(parseSlowSpans('1:3:500-900,0:2:0-,1:1.5:2000-2100'));
    assert.deepEqual(k.onStep(step(1, 0, 400)), []);
    assert.deepEqual(k.onStep(step(0, 0, 600)), [], 'rank 0 reaching 500 ms reveals nothing of rank 1');
    const [w] = k.onStep(step(1, 1, 610, 1, 0));
    assert.deepEqual(w, { row: 'interference', time_ms: 500, rank: 1, stage: 1, plan_version: 0, duration_ms: 400, level: 'heavy', detail: 'DYNPIPE_BENCH_SLOW factor 3' });
    assert.deepEqual(validateRow(w), w);
    assert.deepEqual(k.onStep(step(1, 2, 700)), [], 'shown once');
    assert.deepEqual(k.onStep(step(1, 3, 2050)).map((r) => [r.time_ms, r.duration_ms, r.level]), [[2000, 100, 'light']]);
    assert.deepEqual(k.finish(), []);
  });

  it("a span in microbatches runs from the rank's first row at 'from' to its first at 'to'; an open one closes at the end", () => {
    const k = new KnownInterference(parseSlowSpans('1:4:10mb-20mb,0:2:15mb-'));
    assert.deepEqual(k.onStep(step(1, 9, 900)), []);
    assert.deepEqual(k.onStep(step(1, 10, 1000, 1, 2)), []);
    assert.deepEqual(k.onStep(step(0, 15, 1500)), []);
    assert.deepEqual(k.onStep(step(1, 19, 1900)), []);
    assert.deepEqual(k.onStep(step(1, 20, 2000)).map((r) => [r.rank, r.time_ms, r.duration_ms, r.plan_version, r.level]), [[1, 1000, 1000, 2, 'heavy']]);
    assert.deepEqual(k.onStep(step(0, 30, 3000)), []);
    assert.deepEqual(k.finish().map((r) => [r.rank, r.time_ms, r.duration_ms]), [[0, 1500, 1500]]);
    assert.deepEqual(k.finish(), [], 'closed once');
  });
});
