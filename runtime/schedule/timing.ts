/**
 * Durations for the lock-step checker's timed mode, a discrete-event simulation of the streams:
 * each stage runs its instructions one after another; an instruction starts when the previous one
 * on its stage ends, and ends `busyMs` after it may proceed: at once for compute, loads and steps;
 * a receive when its message has arrived; a send when its channel has room. Sends do not wait for
 * the wire (asynchronous, like ZeroMQ); the wire then carries one message at a time (channels.ts).
 *
 * Closed forms the tests check (f_s, b_s forward/backward ms of stage s, t transfer ms, p stages,
 * unbounded channels, every other instruction 0 ms):
 *
 *  - 1F1B with inFlight >= p, in steady state: one microbatch per
 *      lambda = max over 0 <= s <= r < p of (sum_{q=s..r} (f_q + b_q) + 2 (r - s) t) / (r - s + 1)
 *    (the heaviest cycle: stage s's forwards of r - s + 1 microbatches run ahead of the backward
 *    that returns from stage r); with t = 0 this is the bottleneck stage's max_s (f_s + b_s).
 *  - GPipe, each minibatch of m microbatches (the flush makes every one alike), when t <= max f
 *    and t <= max b:  sum_s (f_s + b_s) + (m - 1) (max_s f_s + max_s b_s) + 2 (p - 1) t;
 *    balanced and t = 0 this is (m + p - 1)(f + b), i.e. (m + p - 1) / m * (f + b) per microbatch.
 */
import { check } from '../errors.js';
import type { Instruction } from './instructions.js';
import type { Payload } from './channels.js';

export interface Timing {
  /** ms `stage` is busy with `i`: for receives and sends the call itself, not waiting or the wire. */
  busyMs(stage: number, i: Instruction): number;
  /** ms a message spends on the wire from `from` to `to`. */
  transferMs(from: number, to: number, payload: Payload): number;
}

/** When one executed instruction started (its stage reached it) and ended; waits sit in between. */
export interface TimedInstruction {
  readonly instruction: Instruction;
  readonly startMs: number;
  readonly endMs: number;
}

/** All durations zero: the checker's untimed mode. */
export const ZERO_TIMING: Timing = { busyMs: () => 0, transferMs: () => 0 };

export interface ComputeTimes {
  /** forwardMs[s]: one forward on stage s. */
  readonly forwardMs: readonly number[];
  /** backwardMs[s]: one backward on stage s. */
  readonly backwardMs: readonly number[];
  /** Every transfer, activations and gradients alike (default 0). */
  readonly transferMs?: number;
}

const isDuration = (ms: number): boolean => Number.isFinite(ms) && ms >= 0;

/** Forward and backward cost per stage, one transfer cost, everything else free; E_SCHEDULE on a bad value. */
export function computeTiming(times: ComputeTimes): Timing {
  const { forwardMs, backwardMs } = times;
  const transfer = times.transferMs ?? 0;
  check(forwardMs.length === backwardMs.length, 'E_SCHEDULE', () => `timing: ${forwardMs.length} forward times but ${backwardMs.length} backward times`);
  for (const [name, list] of [['forwardMs', forwardMs], ['backwardMs', backwardMs]] as const) {
    const bad = list.findIndex((ms) => !isDuration(ms));
    check(bad < 0, 'E_SCHEDULE', () => `timing: ${name}[${bad}] must be a finite number >= 0, got ${list[bad]}`);
  }
  check(isDuration(transfer), 'E_SCHEDULE', () => `timing: transferMs must be a finite number >= 0, got ${transfer}`);
  const stageMs = (list: readonly number[], stage: number): number => {
    check(stage < list.length, 'E_SCHEDULE', () => `timing: no forward/backward time for stage ${stage} (have ${list.length})`);
    return list[stage];
  };
  return {
    busyMs(stage, i) {
      if (i.kind === 'forward') return stageMs(forwardMs, stage);
      if (i.kind === 'backward') return stageMs(backwardMs, stage);
      return 0;
    },
    transferMs: () => transfer,
  };
}
