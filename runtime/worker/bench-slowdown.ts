/**
 * TEST/BENCH HOOK, not a feature: makes a rank compute slower during given spans of the job clock,
 * so repartitioning can be exercised where no real interferer runs (profile/interfere/ does that on
 * the GPU node). Set on the worker's environment:
 *
 *   DYNPIPE_BENCH_SLOW="<rank>:<factor>:<fromMs>-<toMs>[,...]"     e.g. "1:2:3000-9000,2:2:9000-"
 *
 * While rank r is in a span, each forward and backward is followed by a sleep of (factor - 1) times
 * its own duration, charged to that forward or backward, so the rank measures `factor` times its
 * unslowed compute. An empty `toMs` means until the end. Parsing is pure.
 */
import { DynpipeError } from '../errors.js';

export const BENCH_SLOW_ENV = 'DYNPIPE_BENCH_SLOW';

export interface SlowSpan {
  rank: number;
  factor: number;
  fromMs: number;
  toMs: number;
}

export function parseSlowSpans(text: string): SlowSpan[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const m = /^(\d+):(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)?$/.exec(s);
      if (!m) throw new DynpipeError('E_USAGE', `${BENCH_SLOW_ENV}: '${s}' is not <rank>:<factor>:<fromMs>-<toMs>`);
      const span = { rank: Number(m[1]), factor: Number(m[2]), fromMs: Number(m[3]), toMs: m[4] === undefined ? Infinity : Number(m[4]) };
      if (!(span.factor >= 1)) throw new DynpipeError('E_USAGE', `${BENCH_SLOW_ENV}: factor in '${s}' must be >= 1`);
      if (!(span.toMs > span.fromMs)) throw new DynpipeError('E_USAGE', `${BENCH_SLOW_ENV}: span '${s}' ends before it starts`);
      return span;
    });
}

/** The factor of `rank` at job time `ms`: the product over the spans covering it (1 when none). */
export function slowFactor(spans: readonly SlowSpan[], rank: number, ms: number): number {
  return spans.reduce((f, s) => (s.rank === rank && ms >= s.fromMs && ms < s.toMs ? f * s.factor : f), 1);
}
