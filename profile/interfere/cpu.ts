/**
 * cpu interference: one busy thread (this process), arithmetic only, so it competes for a core's
 * cycles and little else. Pinning to a core is the spawner's job (taskset).
 */
import type { Step } from './duty-cycle.js';

/** Spins for about `ms` milliseconds of pure arithmetic. */
export function cpuStep(ms = 1): Step {
  let sink = 0; // lives in the closure across steps, so the loop cannot be optimised away
  return () => {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      for (let i = 0; i < 1000; i++) sink = (sink * 1.0000001 + i) % 1e9;
    }
  };
}
