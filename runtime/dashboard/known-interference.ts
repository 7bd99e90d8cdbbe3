/**
 * Interference windows a launcher knows of because it set them up: the bench hook's spans
 * (DYNPIPE_BENCH_SLOW, runtime/worker/bench-slowdown.ts), turned into interference rows on the job
 * clock as the slowed rank's own step rows show them happen:
 *  - a span in ms, [from, to) with an end: known in advance, published once the rank's first step
 *    row at or after `from` arrives (so the page does not draw a window of the future);
 *  - a span in microbatches, [from, to): starts at the rank's first step row of a microbatch
 *    >= from and ends at its first one >= to, published then (its length is only known then);
 *    one still open when the run ends is closed at the rank's last step row.
 * Spans without an end in ms are not windows and are left out. A factor of HEAVY_FACTOR or more
 * counts as heavy interference, a smaller one as light. Pure: rows in, rows out.
 */
import type { InterferenceRow, StepRow } from '../log/rank-log.js';
import { BENCH_SLOW_ENV, type SlowSpan } from '../worker/bench-slowdown.js';

export const HEAVY_FACTOR = 2;

interface Tracked {
  span: SlowSpan;
  start?: StepRow;
  done: boolean;
}

export class KnownInterference {
  private readonly tracked: Tracked[];
  private readonly lastRow = new Map<number, StepRow>();

  constructor(spans: readonly SlowSpan[]) {
    this.tracked = spans.filter((s) => s.unit === 'mb' || Number.isFinite(s.to)).map((span) => ({ span, done: false }));
  }

  /** The windows `row` (a step row of its rank) reveals. */
  onStep(row: StepRow): InterferenceRow[] {
    this.lastRow.set(row.rank, row);
    const out: InterferenceRow[] = [];
    for (const t of this.tracked) {
      if (t.done || t.span.rank !== row.rank) continue;
      const { span } = t;
      if (span.unit === 'ms') {
        if (row.time_ms < span.from) continue;
        t.done = true;
        out.push(this.row(span, row, span.from, span.to - span.from));
        continue;
      }
      if (!t.start) {
        if (row.microbatch < span.from) continue;
        t.start = row;
      }
      if (row.microbatch >= span.to) {
        t.done = true;
        if (row.time_ms > t.start.time_ms) out.push(this.row(span, t.start, t.start.time_ms, row.time_ms - t.start.time_ms));
      }
    }
    return out;
  }

  /** Windows in microbatches still open at the end of the run, closed at their rank's last step row. */
  finish(): InterferenceRow[] {
    return this.tracked.flatMap((t) => {
      const last = this.lastRow.get(t.span.rank);
      if (t.done || !t.start || !last || last.time_ms <= t.start.time_ms) return [];
      t.done = true;
      return [this.row(t.span, t.start, t.start.time_ms, last.time_ms - t.start.time_ms)];
    });
  }

  private row(span: SlowSpan, at: StepRow, startMs: number, durationMs: number): InterferenceRow {
    return {
      row: 'interference', time_ms: startMs, rank: span.rank, stage: at.stage, plan_version: at.plan_version, duration_ms: durationMs,
      level: span.factor >= HEAVY_FACTOR ? 'heavy' : 'light', detail: `${BENCH_SLOW_ENV} factor ${span.factor}`,
    };
  }
}
