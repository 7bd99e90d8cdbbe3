/**
 * TEST HOOKS of `dynpipe worker`, read from its environment (never from flags, so no user trips
 * over them):
 *
 *   DYNPIPE_TEST_NETWORK_CUT="<rank>:<ms>"   rank <rank> loses its network <ms> after it registered:
 *                                            control messages (heartbeats too) are dropped, data
 *                                            sends stall (transport/link-cut.ts)
 */
import { DynpipeError } from '../errors.js';

export const NETWORK_CUT_ENV = 'DYNPIPE_TEST_NETWORK_CUT';

/** How long after registering `rank`'s network goes down, if the environment asks for a cut of it. */
export function networkCutAfterMs(env: NodeJS.ProcessEnv, rank: number): number | undefined {
  const spec = env[NETWORK_CUT_ENV];
  if (!spec) return undefined;
  const m = /^(\d+):(\d+)$/.exec(spec);
  if (!m) throw new DynpipeError('E_USAGE', `${NETWORK_CUT_ENV}: '${spec}' is not <rank>:<ms>`);
  return Number(m[1]) === rank ? Number(m[2]) : undefined;
}
