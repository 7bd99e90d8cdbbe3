/**
 * The job clock: milliseconds since the job started, the one clock of every rank log and of the
 * coordinator. Processes agree on it through the epoch time the launcher hands out
 * (`--job-start-ms`), so a restarted rank continues the same clock.
 */
import { performance } from 'node:perf_hooks';

/** Sub-millisecond epoch time (ms since 1970). */
export function epochNowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** A clock reading ms since `jobStartEpochMs` (default: now). */
export function jobClock(jobStartEpochMs: number = epochNowMs()): () => number {
  return () => epochNowMs() - jobStartEpochMs;
}
