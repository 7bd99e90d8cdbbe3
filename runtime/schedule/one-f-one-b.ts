/**
 * PipeDream's asynchronous 1F1B schedule with weight stashing (Narayanan et al., SOSP'19:
 * §3.2 work scheduling, §3.3 weight stashing).
 *
 * Every backward is followed by an optimizer step, so a stage's weights move one version per
 * microbatch; a forward always uses the live weights and its backward reuses the version that
 * forward saw (the stash). With N = inFlight microbatches admitted (PipeDream's NOAM, default the
 * number of stages p), stage s runs three named phases over the window's n microbatches:
 *
 *   1. warm-up: W_s = min(n, max(1, N - s)) forwards (PipeDream's `num_warmup_minibatches` plus
 *      the first forward of its loop; for N = p this is DeepSpeed's p - s - 1 warm-up forwards
 *      plus its first steady forward);
 *   2. steady: n - W_s pairs (backward of the oldest microbatch in flight, forward of the next);
 *   3. drain: the W_s backwards left.
 *
 * In-flight bound: stage s never holds more than W_s microbatches forwarded but not backwarded,
 * and reaches W_s (at the end of warm-up); so it keeps at most W_s activation stashes and at most
 * W_s weight versions (the live weights and the stashed ones), PipeDream's per-stage stash depth.
 * A window ends drained: every backward and step done, nothing in flight.
 *
 * Timeline for p = 4, n = 8, N = 4 in lock-step rounds (each slot one round, a message sent in a
 * round is received the next; `Fj`/`Bj` forward/backward of microbatch j, `..` waiting):
 *
 *   round    0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17 18 19 20 21
 *   stage 0 F0 F1 F2 F3 .. .. .. B0 F4 B1 F5 B2 F6 B3 F7 B4 .. B5 .. B6 .. B7
 *   stage 1 .. F0 F1 F2 .. .. B0 F3 B1 F4 B2 F5 B3 F6 B4 F7 B5 .. B6 .. B7 ..
 *   stage 2 .. .. F0 F1 .. B0 F2 B1 F3 B2 F4 B3 F5 B4 F6 B5 F7 B6 .. B7 .. ..
 *   stage 3 .. .. .. F0 B0 F1 B1 F2 B2 F3 B3 F4 B4 F5 B5 F6 B6 F7 B7 .. .. ..
 *
 * In steady state every stage alternates F and B, one microbatch per two rounds, and the window
 * takes 2 (n + p - 1) = 22 rounds (timed forms in timing.ts). Weight versions at stage 0 with
 * v0 = 0: F0..F3 use v0, B0 steps to v1, F4 uses v1, B1 steps to v2, F5 uses v2, ...; B4 uses
 * v1, the version F4 saw.
 */
import type { Slot } from './instructions.js';
import type { ScheduleConfig } from './options.js';
import { backwardSlot, forwardSlot } from './slots.js';

/** W_s: forwards stage s runs before its first backward, which is also its in-flight bound. */
export function warmUpForwards(config: Pick<ScheduleConfig, 'stage' | 'microbatches' | 'inFlight'>): number {
  return Math.min(config.microbatches, Math.max(1, config.inFlight - config.stage));
}

/** The slots of stage `config.stage` for one window, phase by phase. */
export function* oneFOneB(config: ScheduleConfig): Generator<Slot, void, undefined> {
  const { first, microbatches: n, replicated } = config;
  const warmUp = warmUpForwards(config);
  let live = config.v0;
  /** forwardVersion[j]: the weights microbatch first + j was forwarded with (its stash). */
  const forwardVersion: number[] = [];

  const forward = (j: number): Slot => {
    forwardVersion[j] = live;
    return forwardSlot(config, first + j, live);
  };
  const backward = (j: number): Slot => {
    const slot = backwardSlot(config, first + j, forwardVersion[j], { version: live, replicated });
    live += 1;
    return slot;
  };

  // 1. warm-up
  for (let j = 0; j < warmUp; j++) yield forward(j);
  // 2. steady: backward j frees a place in flight, forward j + warmUp takes it
  for (let j = 0; j + warmUp < n; j++) {
    yield backward(j);
    yield forward(j + warmUp);
  }
  // 3. drain
  for (let j = n - warmUp; j < n; j++) yield backward(j);
}
