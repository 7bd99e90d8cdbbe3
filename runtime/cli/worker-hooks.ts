/**
 * TEST/BENCH HOOKS of `dynpipe worker`, read from its environment (never from flags, so no user
 * trips over them):
 *
 *   DYNPIPE_BENCH_SLOW="<rank>:<factor>:<fromMs>-<toMs>,..."   slow a rank down (worker/bench-slowdown.ts)
 *   DYNPIPE_TEST_MIGRATION_CRASH="<rank>:<n>"                  rank kills itself with SIGKILL right
 *                                                             after sending its n-th migration tensor
 *   DYNPIPE_TEST_NETWORK_CUT="<rank>:<ms>"                     rank loses its network <ms> after it
 *                                                             registered: control messages (heartbeats
 *                                                             too) are dropped, data sends stall
 *                                                             (transport/link-cut.ts)
 */
import { DynpipeError } from '../errors.js';
import { BENCH_SLOW_ENV, parseSlowSpans, type SlowSpan } from '../worker/bench-slowdown.js';

export const MIGRATION_CRASH_ENV = 'DYNPIPE_TEST_MIGRATION_CRASH';
export const NETWORK_CUT_ENV = 'DYNPIPE_TEST_NETWORK_CUT';

export interface WorkerHooks {
  benchSlow?: SlowSpan[];
  afterEntrySent?(to: number, index: number): void;
  networkCutAfterMs?: number;
}

/** How long after registering `rank`'s network goes down, if the environment asks for a cut of it. */
export function networkCutAfterMs(env: NodeJS.ProcessEnv, rank: number): number | undefined {
  const spec = env[NETWORK_CUT_ENV];
  if (!spec) return undefined;
  const m = /^(\d+):(\d+)$/.exec(spec);
  if (!m) throw new DynpipeError('E_USAGE', `${NETWORK_CUT_ENV}: '${spec}' is not <rank>:<ms>`);
  return Number(m[1]) === rank ? Number(m[2]) : undefined;
}

export function workerHooks(env: NodeJS.ProcessEnv, rank: number): WorkerHooks {
  const hooks: WorkerHooks = {};
  const slow = env[BENCH_SLOW_ENV];
  if (slow) hooks.benchSlow = parseSlowSpans(slow);
  const crash = env[MIGRATION_CRASH_ENV];
  if (crash) {
    const m = /^(\d+):(\d+)$/.exec(crash);
    if (!m) throw new DynpipeError('E_USAGE', `${MIGRATION_CRASH_ENV}: '${crash}' is not <rank>:<n>`);
    if (Number(m[1]) === rank) {
      const n = Number(m[2]);
      let sent = 0;
      hooks.afterEntrySent = () => {
        if (++sent === n) process.kill(process.pid, 'SIGKILL');
      };
    }
  }
  const cutAfter = networkCutAfterMs(env, rank);
  if (cutAfter !== undefined) hooks.networkCutAfterMs = cutAfter;
  return hooks;
}
