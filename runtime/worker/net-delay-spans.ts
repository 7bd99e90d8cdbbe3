/**
 * `dynpipe worker --net-delay`: spans of the job clock during which this rank's sends are delayed
 * as a `net` interferer of the given intensity would (profile/interfere/net.ts), so that
 * `dynpipe launch --interference` can replay net events inside the rank they target.
 *
 *   --net-delay "<fromMs>-<toMs>:<intensity>[,...]"     e.g. "5000-12000:1,20000-:0.5"
 *
 * An empty `toMs` means until the end. Overlapping spans add their delays. Parsing and the
 * timeline are pure; `scheduleNetDelay` is the only part that sets timers.
 */
import { DynpipeError } from '../errors.js';
import type { SendDelay } from '../transport/send-delay.js';
import { combineDelays, netDelayHook } from '../../profile/interfere/net.js';

export interface NetDelaySpan {
  fromMs: number;
  /** Infinity: until the end of the job. */
  toMs: number;
  intensity: number;
}

const SPAN = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)?:(\d*\.?\d+)$/;

export function parseNetDelaySpans(text: string, flag = '--net-delay'): NetDelaySpan[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const m = SPAN.exec(s);
      if (!m) throw new DynpipeError('E_USAGE', `${flag}: '${s}' is not <fromMs>-<toMs>:<intensity>`);
      const span = { fromMs: Number(m[1]), toMs: m[2] === undefined ? Infinity : Number(m[2]), intensity: Number(m[3]) };
      if (!(span.toMs > span.fromMs)) throw new DynpipeError('E_USAGE', `${flag}: span '${s}' ends before it starts`);
      if (!(span.intensity > 0 && span.intensity <= 1)) throw new DynpipeError('E_USAGE', `${flag}: intensity in '${s}' must be in (0, 1]`);
      return span;
    });
}

/** The text `parseNetDelaySpans` reads back (integer ms). */
export function formatNetDelaySpans(spans: readonly NetDelaySpan[]): string {
  return spans.map((s) => `${Math.round(s.fromMs)}-${Number.isFinite(s.toMs) ? Math.round(s.toMs) : ''}:${s.intensity}`).join(',');
}

/** The job-clock times at which the set of active spans can change, ascending, without repeats. */
export function changeTimes(spans: readonly NetDelaySpan[]): number[] {
  return [...new Set(spans.flatMap((s) => [s.fromMs, s.toMs]).filter(Number.isFinite))].sort((a, b) => a - b);
}

/** Indexes of the spans in force at `atMs` ([from, to)). */
export function activeSpans(spans: readonly NetDelaySpan[], atMs: number): number[] {
  return spans.flatMap((s, i) => (atMs >= s.fromMs && atMs < s.toMs ? [i] : []));
}

/**
 * Applies the spans on a live transport: at every change time, `apply` gets the combined delay of
 * the spans in force (null: none). Each span keeps one hook (seeded by its index), so its jitter
 * sequence does not restart when another span begins. Returns a cancel function.
 */
export function scheduleNetDelay(spans: readonly NetDelaySpan[], now: () => number, apply: (delay: SendDelay | null) => void): () => void {
  const hooks = spans.map((s, i) => netDelayHook(s.intensity, { seed: i + 1 }));
  const update = (): void => apply(combineDelays(activeSpans(spans, now()).map((i) => hooks[i])));
  const timers = changeTimes(spans).map((t) => setTimeout(update, Math.max(0, t - now()) + 1));
  update();
  return () => timers.forEach((t) => clearTimeout(t));
}
