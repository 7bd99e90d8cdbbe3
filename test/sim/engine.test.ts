import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { validatePlan } from '../../runtime/plan/plan.js';
import { runLockstep } from '../../runtime/schedule/lockstep.js';
import { scheduleAllStages } from '../../runtime/schedule/schedule.js';
import { computeTiming } from '../../runtime/schedule/timing.js';
import { simulationReport } from '../../runtime/sim/report.js';
import { simulate } from '../../runtime/sim/simulate.js';
import { blocksOf, config, doneTimes, runStraight, straightJobPlan, type StraightJob } from './helpers.js';

/** 1f1b over 60 microbatches: ms per microbatch at the last stage between completions 24 and 48. */
function steadyPeriod(job: Omit<StraightJob, 'microbatches'>): number {
  const result = runStraight({ ...job, microbatches: 60 });
  const done = doneTimes(result, job.forwardMs.length - 1);
  return (done[48] - done[24]) / 24;
}

describe('simulator engine: closed forms (runtime/schedule/timing.ts)', () => {
  describe('1f1b steady state is the bottleneck cycle', () => {
    it('balanced 4 stages, no transfer: f + b', () => {
      assert.equal(steadyPeriod({ forwardMs: [1, 1, 1, 1], backwardMs: [2, 2, 2, 2] }), 3);
    });

    it('unbalanced 3 stages, no transfer: the bottleneck stage max_s (f_s + b_s)', () => {
      assert.equal(steadyPeriod({ forwardMs: [1, 3, 2], backwardMs: [2, 5, 3] }), 8);
    });

    it('unbalanced 2 stages: the heavier stage', () => {
      assert.equal(steadyPeriod({ forwardMs: [4, 1], backwardMs: [5, 1] }), 9);
    });

    it('balanced 2 stages with transfers: the round trip (2 + 2 + 2 t) / 2', () => {
      assert.equal(steadyPeriod({ forwardMs: [1, 1], backwardMs: [1, 1], transferMs: 1 }), 3);
    });

    it('unbalanced 3 stages with transfers: the whole pipeline (3 + 6 + 3 + 4 t) / 3', () => {
      assert.equal(steadyPeriod({ forwardMs: [1, 2, 1], backwardMs: [2, 4, 2], transferMs: 3 }), 8);
    });

    it('a balanced window takes (n + p - 1)(f + b): bubble (p - 1) / (n + p - 1)', () => {
      const result = runStraight({ forwardMs: [1, 1, 1, 1], backwardMs: [2, 2, 2, 2], microbatches: 8 });
      assert.equal(result.endMs, (8 + 4 - 1) * 3);
      const report = simulationReport(result);
      assert.equal(report.bubble_fraction, 3 / 11);
      assert.deepEqual(report.busy.map((b) => b.busy_fraction), [24 / 33, 24 / 33, 24 / 33, 24 / 33]);
    });
  });

  describe('gpipe: each minibatch of m takes sum (f + b) + (m - 1)(max f + max b) + 2 (p - 1) t', () => {
    it('balanced 4 stages, m = 8: (m + p - 1)(f + b) = 33 per minibatch, bubble (p - 1)/(m + p - 1)', () => {
      const result = runStraight({ forwardMs: [1, 1, 1, 1], backwardMs: [2, 2, 2, 2], schedule: 'gpipe', microbatches: 24, microbatchesPerStep: 8 });
      const stage0 = doneTimes(result, 0);
      assert.deepEqual([stage0[0], stage0[8], stage0[16]], [33, 66, 99]); // the step closes the slot of each minibatch's first backward
      assert.equal(result.endMs, 99);
      assert.equal(simulationReport(result).bubble_fraction, 3 / 11);
    });

    it('unbalanced 3 stages with transfers: 10 + 3 (2 + 3) + 2 * 2 * 1 = 29', () => {
      const result = runStraight({ forwardMs: [1, 2, 1], backwardMs: [2, 3, 1], transferMs: 1, schedule: 'gpipe', microbatches: 8, microbatchesPerStep: 4 });
      const stage0 = doneTimes(result, 0);
      assert.deepEqual([stage0[0], stage0[4]], [29, 58]);
    });

    it('unbalanced 2 stages with transfers: 9 + 2 (2 + 3) + 2 * 1 * 1 = 21', () => {
      const result = runStraight({ forwardMs: [2, 1], backwardMs: [3, 3], transferMs: 1, schedule: 'gpipe', microbatches: 6, microbatchesPerStep: 3 });
      const stage0 = doneTimes(result, 0);
      assert.deepEqual([stage0[0], stage0[3]], [21, 42]);
    });
  });

  it('times every backward exactly as the lock-step checker does, for any straight job', () => {
    const job = fc.record({
      p: fc.integer({ min: 1, max: 4 }),
      n: fc.integer({ min: 1, max: 10 }),
      kind: fc.constantFrom('1f1b' as const, 'gpipe' as const),
      inFlight: fc.integer({ min: 1, max: 5 }),
      m: fc.integer({ min: 1, max: 10 }),
      times: fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 })), { minLength: 4, maxLength: 4 }),
      t: fc.integer({ min: 0, max: 3 }),
    });
    fc.assert(
      fc.property(job, ({ p, n, kind, inFlight, m, times, t }) => {
        const forwardMs = times.slice(0, p).map(([f]) => f);
        const backwardMs = times.slice(0, p).map(([, b]) => b);
        const result = runStraight({ forwardMs, backwardMs, transferMs: t, schedule: kind, microbatches: n, inFlight, microbatchesPerStep: Math.min(m, n) });
        const streams = scheduleAllStages(kind, { stages: p, microbatches: n, inFlight, microbatchesPerStep: Math.min(m, n) });
        const lock = runLockstep(streams, { timing: computeTiming({ forwardMs, backwardMs, transferMs: t }) });
        for (let s = 0; s < p; s++) {
          const expected = new Array<number>(n);
          for (const x of lock.times[s]) if (x.instruction.kind === 'backward') expected[x.instruction.mb] = x.endMs;
          assert.deepEqual(doneTimes(result, s), expected, `stage ${s}`);
        }
      }),
      { numRuns: 150, seed: 12 },
    );
  });

  it('replicated stage: replicas split each microbatch and meet at the all-reduce (period (f + b) / 2 + allreduce)', () => {
    // stage 0 on ranks 0 and 1 (4 rows each of 8), stage 1 on rank 2; all-reduce of 1000 bytes at 1e6 B/s = 1 ms
    const plan = validatePlan({ ...straightJobPlan({ forwardMs: [0, 0], backwardMs: [0, 0], microbatches: 1 }), stage_to_rank_map: { '0': [0, 1], '1': [2] } });
    const blocks = blocksOf([2, 1], [4, 2], { paramBytes: 1000 });
    const result = simulate(config(plan, blocks, { microbatches: 60, costs: { network: { bandwidthBytesPerS: 1e6, latencyMs: 0 }, optimizerBytesPerS: Infinity } }));
    const done = doneTimes(result, 2);
    assert.equal((done[48] - done[24]) / 24, 1 + 2 + 1);
    assert.deepEqual(doneTimes(result, 0), doneTimes(result, 1));
    const rec = result.segments[0].recorder;
    assert.equal(rec.forwardMs[rec.cell(0, 30)], 1);
    assert.equal(rec.recvWaitMs[rec.cell(0, 30)] >= 1, true); // the all-reduce is charged as a wait, as the executor does
  });

  it('is deterministic: the same job gives the same events and times', () => {
    const a = runStraight({ forwardMs: [1.5, 2.25, 0.75], backwardMs: [3, 4.5, 1.25], transferMs: 0.5, microbatches: 30 });
    const b = runStraight({ forwardMs: [1.5, 2.25, 0.75], backwardMs: [3, 4.5, 1.25], transferMs: 0.5, microbatches: 30 });
    assert.equal(a.events, b.events);
    assert.deepEqual([0, 1, 2].map((r) => doneTimes(a, r)), [0, 1, 2].map((r) => doneTimes(b, r)));
  });

  it('finds plan.ts\'s default in-flight starving a plan with a replicated input stage and more stages than ceil(N / m0)', () => {
    // stage 0 on ranks 0 and 1 (f + b = (2 + 4) / 2 = 3 each), stages 1 and 2 on one rank each (f + b = 3).
    // defaultInFlight = ceil(4 / 2) = 2 < 3 stages: stages 1 and 2 get one microbatch in flight, so
    // stage 1 waits for stage 2's whole F + B between its own: 1 + 3 + 2 = 6 ms per microbatch.
    const base = validatePlan({ ...straightJobPlan({ forwardMs: [0, 0, 0], backwardMs: [0, 0, 0], microbatches: 1 }), stage_to_rank_map: { '0': [0, 1], '1': [2], '2': [3] } });
    const blocks = blocksOf([2, 1, 1], [4, 2, 2]);
    const period = (inFlight?: number): number => {
      const result = simulate(config(validatePlan({ ...base, in_flight: inFlight }), blocks, { microbatches: 60 }));
      const done = doneTimes(result, 3);
      return (done[48] - done[24]) / 24;
    };
    assert.equal(period(), 6);
    assert.equal(period(3), 3);
  });
});
