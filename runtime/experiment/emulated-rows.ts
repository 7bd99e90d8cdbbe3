/**
 * The `interference` rows of an emulated burst (interference-driver.ts: EmulatedBurst), from the
 * rank logs of the run: on each slowed rank the window starts when its last unslowed microbatch
 * (from - 1) finished and ends when its last slowed one (to - 1) finished, at the plan version and
 * stage of that first step. Level: heavy from a 2x slowdown, light below. Ranks that logged no such
 * step get no row. Pure.
 */
import { isStep } from '../log/metrics.js';
import type { InterferenceRow, RankLogRow } from '../log/rank-log.js';
import type { EmulatedBurst } from './interference-driver.js';

export function emulatedRows(burst: EmulatedBurst, rows: readonly RankLogRow[]): InterferenceRow[] {
  const steps = rows.filter(isStep);
  return burst.ranks.flatMap((rank) => {
    const mine = steps.filter((s) => s.rank === rank);
    const finished = (mb: number) => mine.filter((s) => s.microbatch === mb).reduce<number | undefined>((t, s) => Math.max(t ?? -Infinity, s.time_ms), undefined);
    const first = mine.find((s) => s.microbatch === burst.fromMicrobatch);
    const start = finished(burst.fromMicrobatch - 1) ?? 0;
    const end = finished(burst.toMicrobatch - 1) ?? Math.max(...mine.map((s) => s.time_ms));
    if (!first || !(end > start)) return [];
    return [{
      row: 'interference' as const, time_ms: start, rank, stage: first.stage, plan_version: first.plan_version, duration_ms: end - start,
      level: burst.factor >= 2 ? ('heavy' as const) : ('light' as const),
      detail: `emulated ${burst.factor}x compute slowdown of microbatches [${burst.fromMicrobatch}, ${burst.toMicrobatch})`,
    }];
  });
}
