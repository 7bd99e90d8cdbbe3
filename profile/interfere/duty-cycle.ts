/**
 * The duty-cycle loop every generator runs: in each period of `periodMs`, do work for
 * `intensity * periodMs`, then idle for the rest. Work comes in short steps (about a millisecond)
 * so the busy share is accurate. The loop yields to the event loop after every step, even at
 * intensity 1, so a parent's message (pause, resume), disconnect or signal is noticed within about
 * a millisecond. While `gate` is paused the loop waits on it and does no work.
 */
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import type { PauseGate } from './pause-gate.js';

export interface DutyCycle {
  /** Busy share of each period, in (0, 1]. */
  intensity: number;
  periodMs: number;
}

/** One short unit of work (about a millisecond). */
export type Step = () => void | Promise<void>;

/** Runs `step` under the duty cycle until `signal` aborts. */
export async function runDutyCycle(cycle: DutyCycle, step: Step, signal: AbortSignal, gate?: PauseGate): Promise<void> {
  const busyMs = cycle.intensity * cycle.periodMs;
  while (!signal.aborted) {
    if (gate?.paused) await gate.wait(signal);
    const start = performance.now();
    while (performance.now() - start < busyMs && !signal.aborted && !gate?.paused) {
      await step();
      await yieldToLoop();
    }
    const idle = cycle.periodMs - (performance.now() - start);
    if (idle > 0 && !gate?.paused) await sleep(idle, undefined, { signal }).catch(() => undefined);
  }
}
