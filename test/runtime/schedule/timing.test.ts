import { strict as assert } from 'node:assert';
import { isDynpipeError } from '../../../runtime/errors.js';
import { runLockstep, type LockstepResult } from '../../../runtime/schedule/lockstep.js';
import { scheduleAllStages, type ScheduleKind, type ScheduleOptions } from '../../../runtime/schedule/schedule.js';
import { computeTiming, type ComputeTimes } from '../../../runtime/schedule/timing.js';

function simulate(kind: ScheduleKind, opts: Omit<ScheduleOptions, 'stage'>, times: ComputeTimes): LockstepResult {
  const run = runLockstep(scheduleAllStages(kind, opts), { timing: computeTiming(times) });
  assert.ok(run.ok);
  return run;
}

/** When each optimizer step of stage 0 ends. */
function stepEnds(run: LockstepResult): number[] {
  return run.times[0].filter((t) => t.instruction.kind === 'step').map((t) => t.endMs);
}

/** 1f1b over 60 microbatches: ms per microbatch between steps 24 and 48, well past the warm-up. */
function steadyPeriod(times: ComputeTimes, inFlight?: number): number {
  const ends = stepEnds(simulate('1f1b', { stages: times.forwardMs.length, microbatches: 60, inFlight }, times));
  return (ends[48] - ends[24]) / 24;
}

describe('timed lock-step (closed forms in timing.ts)', () => {
  describe('1f1b steady state: lambda = max over s <= r of (sum_{s..r} (f + b) + 2 (r - s) t) / (r - s + 1)', () => {
    it('balanced, no transfer: f + b', () => {
      assert.equal(steadyPeriod({ forwardMs: [1, 1, 1, 1], backwardMs: [2, 2, 2, 2] }), 3);
    });

    it('unbalanced, no transfer: the bottleneck stage, max_s (f_s + b_s)', () => {
      assert.equal(steadyPeriod({ forwardMs: [1, 3, 2], backwardMs: [2, 5, 3] }), 8); // stage 1: 3 + 5
    });

    it('balanced, transfers: the round trip over both stages', () => {
      // s = 0, r = 1: (2 + 2 + 2 * 1) / 2 = 3 > f + b = 2
      assert.equal(steadyPeriod({ forwardMs: [1, 1], backwardMs: [1, 1], transferMs: 1 }), 3);
      // admitting more microbatches does not help: the last stage still runs B after each F
      assert.equal(steadyPeriod({ forwardMs: [1, 1], backwardMs: [1, 1], transferMs: 1 }, 4), 3);
    });

    it('unbalanced, transfers: the whole pipeline beats stage 1 and every pair', () => {
      // singles 3, 6, 3; pairs (3 + 6 + 6) / 2 = 7.5 twice; all three (3 + 6 + 3 + 12) / 3 = 8
      assert.equal(steadyPeriod({ forwardMs: [1, 2, 1], backwardMs: [2, 4, 2], transferMs: 3 }), 8);
    });

    it('one microbatch in flight: strictly sequential, sum (f + b) + 2 (p - 1) t each', () => {
      const ends = stepEnds(simulate('1f1b', { stages: 3, microbatches: 5, inFlight: 1 }, { forwardMs: [1, 2, 1], backwardMs: [2, 4, 2], transferMs: 3 }));
      assert.deepEqual(ends, [24, 48, 72, 96, 120]); // 12 compute + 4 transfers of 3 ms
    });

    it('balanced, no transfer: the window takes (n + p - 1)(f + b), a bubble of (p - 1)(f + b)', () => {
      const run = simulate('1f1b', { stages: 4, microbatches: 8 }, { forwardMs: [1, 1, 1, 1], backwardMs: [2, 2, 2, 2] });
      assert.equal(Math.max(...run.times.map((ts) => ts[ts.length - 1].endMs)), (8 + 4 - 1) * 3);
    });
  });

  describe('gpipe per minibatch: sum_s (f_s + b_s) + (m - 1)(max f + max b) + 2 (p - 1) t', () => {
    it('balanced, no transfer: (m + p - 1)(f + b), i.e. (m + p - 1) / m (f + b) per microbatch', () => {
      const ends = stepEnds(simulate('gpipe', { stages: 4, microbatches: 24, microbatchesPerStep: 8 }, { forwardMs: [1, 1, 1, 1], backwardMs: [2, 2, 2, 2] }));
      assert.deepEqual(ends, [33, 66, 99]); // (8 + 3) * 3 per minibatch of 8
    });

    it('unbalanced with transfers', () => {
      // 10 + 3 * (2 + 3) + 2 * 2 * 1 = 29
      const ends = stepEnds(simulate('gpipe', { stages: 3, microbatches: 8, microbatchesPerStep: 4 }, { forwardMs: [1, 2, 1], backwardMs: [2, 3, 1], transferMs: 1 }));
      assert.deepEqual(ends, [29, 58]);
      // 9 + 2 * (2 + 3) + 2 * 1 * 1 = 21
      const two = stepEnds(simulate('gpipe', { stages: 2, microbatches: 6, microbatchesPerStep: 3 }, { forwardMs: [2, 1], backwardMs: [3, 3], transferMs: 1 }));
      assert.deepEqual(two, [21, 42]);
    });
  });

  it('with unit compute and no transfer, every slot starts at its lock-step round', () => {
    const run = simulate('1f1b', { stages: 4, microbatches: 8 }, { forwardMs: [1, 1, 1, 1], backwardMs: [1, 1, 1, 1] });
    run.rounds.forEach((row, r) =>
      row.forEach((slot, s) => {
        if (!slot) return;
        const compute = run.times[s].find((t) => t.instruction === slot.find((i) => i.kind === 'forward' || i.kind === 'backward'));
        assert.equal(compute?.startMs, r, `stage ${s} round ${r}`);
      }),
    );
  });

  it('starts a receive when its stage reaches it and ends it when the message has arrived', () => {
    const run = simulate('1f1b', { stages: 2, microbatches: 1 }, { forwardMs: [4, 1], backwardMs: [1, 1], transferMs: 2 });
    assert.deepEqual(
      run.times[1].map((t) => [t.instruction.kind, t.startMs, t.endMs]),
      [['recv-act', 0, 6], ['load-labels', 6, 6], ['forward', 6, 7], ['backward', 7, 8], ['send-grad', 8, 8], ['step', 8, 8]],
    );
  });

  it('names a bad duration', () => {
    const bad = (times: ComputeTimes, message: string): void =>
      assert.throws(() => computeTiming(times), (e: unknown) => isDynpipeError(e, 'E_SCHEDULE') && e.message === message);
    bad({ forwardMs: [1, 1], backwardMs: [1] }, 'timing: 2 forward times but 1 backward times');
    bad({ forwardMs: [1, -1], backwardMs: [1, 1] }, 'timing: forwardMs[1] must be a finite number >= 0, got -1');
    bad({ forwardMs: [1], backwardMs: [NaN] }, 'timing: backwardMs[0] must be a finite number >= 0, got NaN');
    bad({ forwardMs: [1], backwardMs: [1], transferMs: Infinity }, 'timing: transferMs must be a finite number >= 0, got Infinity');
  });
});
