/**
 * GPipe's synchronous schedule (Huang et al., NeurIPS'19), the baseline without stale weights.
 *
 * The window is cut into minibatches of m = microbatchesPerStep consecutive microbatches (the last
 * one shorter when m does not divide the window). Per minibatch every stage runs all m forwards in
 * order, then all m backwards in reverse order (the last stage can start on the microbatch it just
 * forwarded, as in GPipe's figure), then one optimizer step in the slot of its last backward: a
 * flush. Every forward and backward of minibatch k uses weight version v0 + k, so no weights are
 * stashed and a stage holds up to m activation stashes. Steps per window = ceil(n / m).
 * Each minibatch takes 2 (m + p - 1) rounds below; its timed form is in timing.ts.
 *
 * Timeline for p = 3, n = 4, m = 2 in lock-step rounds (see one-f-one-b.ts for the notation):
 *
 *   round    0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15
 *   stage 0 F0 F1 .. .. .. .. B1 B0 F2 F3 .. .. .. .. B3 B2
 *   stage 1 .. F0 F1 .. .. B1 B0 .. .. F2 F3 .. .. B3 B2 ..
 *   stage 2 .. .. F0 F1 B1 B0 .. .. .. .. F2 F3 B3 B2 .. ..
 */
import type { Slot } from './instructions.js';
import type { ScheduleConfig } from './options.js';
import { backwardSlot, forwardSlot } from './slots.js';

/** The slots of stage `config.stage` for one window, minibatch by minibatch. */
export function* gpipe(config: ScheduleConfig): Generator<Slot, void, undefined> {
  const { first, microbatches: n, microbatchesPerStep: m, replicated } = config;
  let version = config.v0;
  for (let start = 0; start < n; start += m) {
    const end = Math.min(n, start + m);
    for (let j = start; j < end; j++) yield forwardSlot(config, first + j, version);
    for (let j = end - 1; j >= start; j--) {
      const update = j === start ? { version, replicated } : null;
      yield backwardSlot(config, first + j, version, update);
    }
    version += 1;
  }
}
