/**
 * TEST/BENCH HOOK, not a feature: makes a rank compute slower during given spans of the job, so
 * repartitioning can be exercised where no real interferer runs (profile/interfere/ does that on
 * the GPU node). Set on the worker's environment:
 *
 *   DYNPIPE_BENCH_SLOW="<rank>:<factor>:<from>-<to>[,...]"     e.g. "1:2:3000-9000,2:2:9000-"
 *
 * `from` and `to` are job-clock milliseconds, or microbatch indices with an `mb` suffix
 * ("1:4:30mb-60mb"); an empty `to` means until the end. While rank r is in a span, each forward
 * and backward is followed by a sleep of (factor - 1) times its own duration, charged to that
 * forward or backward, so the rank measures `factor` times its unslowed compute. Parsing is pure.
 */
import { DynpipeError } from '../errors.js';

export const BENCH_SLOW_ENV = 'DYNPIPE_BENCH_SLOW';

export interface SlowSpan {
  rank: number;
  factor: number;
  unit: 'ms' | 'mb';
  from: number;
  to: number;
}

export function parseSlowSpans(text: string): SlowSpan[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const m = /^(\d+):(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)(mb)?-(?:(\d+(?:\.\d+)?)(mb)?)?$/.exec(s);
      if (!m || (m[5] !== undefined && m[4] !== m[6])) throw new DynpipeError('E_USAGE', `${BENCH_SLOW_ENV}: '${s}' is not <rank>:<factor>:<fromMs>-<toMs> or <rank>:<factor>:<from>mb-<to>mb`);
      const span: SlowSpan = { rank: Number(m[1]), factor: Number(m[2]), unit: m[4] ? 'mb' : 'ms', from: Number(m[3]), to: m[5] === undefined ? Infinity : Number(m[5]) };
      if (!(span.factor >= 1)) throw new DynpipeError('E_USAGE', `${BENCH_SLOW_ENV}: factor in '${s}' must be >= 1`);
      if (!(span.to > span.from)) throw new DynpipeError('E_USAGE', `${BENCH_SLOW_ENV}: span '${s}' ends before it starts`);
      return span;
    });
}

/** The factor of `rank` at job time `ms` computing microbatch `mb`: the product over the spans covering it. */
export function slowFactor(spans: readonly SlowSpan[], rank: number, ms: number, mb: number): number {
  return spans.reduce((f, s) => {
    const at = s.unit === 'ms' ? ms : mb;
    return s.rank === rank && at >= s.from && at < s.to ? f * s.factor : f;
  }, 1);
}
