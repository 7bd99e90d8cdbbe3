/**
 * The duty-cycle loop every generator runs: in each period of `periodMs`, do work for
 * `intensity * periodMs`, then idle for the rest. Work comes in short steps (about a millisecond)
 * so the busy share is accurate; the loop yields to the event loop at least once per period, even
 * at intensity 1, so a parent's disconnect or a signal is always noticed.
 */
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';

export interface DutyCycle {
  /** Busy share of each period, in (0, 1]. */
  intensity: number;
  periodMs: number;
}

/** One short unit of work (about a millisecond). */
export type Step = () => void | Promise<void>;

/** Runs `step` under the duty cycle until `signal` aborts. */
export async function runDutyCycle(cycle: DutyCycle, step: Step, signal: AbortSignal): Promise<void> {
  const busyMs = cycle.intensity * cycle.periodMs;
  while (!signal.aborted) {
    const start = performance.now();
    while (performance.now() - start < busyMs && !signal.aborted) await step();
    const idle = cycle.periodMs - (performance.now() - start);
    if (idle > 0) await sleep(idle, undefined, { signal }).catch(() => undefined);
    else await yieldToLoop();
  }
}
