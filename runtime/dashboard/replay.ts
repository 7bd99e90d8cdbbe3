/**
 * `dynpipe dashboard --logs DIR`: a finished run's logs as the same stream a live run produces,
 * paced by the job clock. The rank logs give the rows, each repartition (rows grouped by plan
 * version: earliest pause start, longest pause, as runtime/log/metrics.ts defines) a plan and a
 * change event; the decision log, when there is one, the predictions. The logs name a partition
 * only in repartition rows, so the first plan comes from `--plan` or from the first repartition's
 * old partition; a run that never repartitioned and has no --plan shows no plan. Pure but `play`,
 * whose clock and sleep are injected.
 */
import type { PlanInForce } from '../../figures/plan-data.js';
import { isRepartition, isStep, repartitions } from '../log/metrics.js';
import type { RankLogRow } from '../log/rank-log.js';
import type { DashboardEvent, DecisionEvent, PlanEvent, RunInfo } from './events.js';

export interface ReplaySource {
  run: RunInfo;
  /** Every row of every rank log. */
  rows: readonly RankLogRow[];
  /** The plan the run started with, when known from elsewhere (a plan file). */
  initialPlan?: PlanInForce;
  decisions: readonly DecisionEvent[];
}

export interface TimedEvent {
  /** Job-clock ms at which the event happened. */
  at_ms: number;
  event: DashboardEvent;
}

/** Ranks of each stage under `version`, from rows that carry (rank, stage) under it. */
function stageRanks(rows: readonly RankLogRow[], version: number, stages: number): number[][] {
  const out: number[][] = Array.from({ length: stages }, () => []);
  for (const r of rows) {
    if (r.plan_version === version && out[r.stage] && !out[r.stage].includes(r.rank)) out[r.stage].push(r.rank);
  }
  return out.map((rs) => rs.sort((a, b) => a - b));
}

function firstPlan(src: ReplaySource): PlanInForce | undefined {
  if (src.initialPlan) return src.initialPlan;
  const first = repartitions(src.rows)[0];
  if (!first) return undefined;
  const version = first.plan_version - 1;
  return { plan_version: version, partition: [...first.old_partition], stage_ranks: stageRanks(src.rows.filter(isStep), version, first.old_partition.length) };
}

/** Every event of the replay in job-clock order (`run` first, `end` last; ties keep this order: plan, rows, change, decision). */
export function replayTimeline(src: ReplaySource): TimedEvent[] {
  const timed: TimedEvent[] = [];
  const start = firstPlan(src);
  if (start) timed.push({ at_ms: 0, event: { kind: 'plan', plan: { ...start, time_ms: 0, source: src.initialPlan ? 'initial' : 'logged' } } });
  const moves = repartitions(src.rows);
  const moveRows = src.rows.filter(isRepartition);
  for (const m of moves) {
    const mine = moveRows.filter((r) => r.plan_version === m.plan_version);
    const plan: PlanEvent = { plan_version: m.plan_version, partition: [...m.new_partition], stage_ranks: stageRanks(mine, m.plan_version, m.new_partition.length), time_ms: m.time_ms, source: 'logged' };
    timed.push({ at_ms: m.time_ms, event: { kind: 'plan', plan } });
    timed.push({ at_ms: m.time_ms, event: { kind: 'rows', rows: mine } });
    const cut = mine.find((r) => r.iteration !== undefined)?.iteration;
    timed.push({
      at_ms: m.time_ms,
      event: { kind: 'change', change: { plan_version: m.plan_version, source: 'logged', from_partition: m.old_partition, to_partition: m.new_partition, ...(cut === undefined ? {} : { cut_at: cut }), pause_ms: m.pause_ms, time_ms: m.time_ms } },
    });
  }
  for (const r of src.rows) if (!isRepartition(r)) timed.push({ at_ms: r.time_ms, event: { kind: 'rows', rows: [r] } });
  for (const d of src.decisions) timed.push({ at_ms: d.time_ms, event: { kind: 'decision', decision: d } });
  timed.sort((a, b) => a.at_ms - b.at_ms); // stable: ties keep the order above
  const last = timed.length > 0 ? timed[timed.length - 1].at_ms : 0;
  const steps = src.rows.filter(isStep).length;
  return [
    { at_ms: 0, event: { kind: 'run', run: src.run } },
    ...timed,
    { at_ms: last, event: { kind: 'end', end: { ok: true, message: `replayed ${steps} step rows and ${moves.length} repartition${moves.length === 1 ? '' : 's'} of ${src.run.name}` } } },
  ];
}

export interface PlayOptions {
  /** Job-clock ms per real ms (> 0). */
  speed: number;
  /** Real ms between two looks at the timeline: what came due meanwhile goes out then (rows as one event). */
  tickMs: number;
  publish(e: DashboardEvent): void;
  /** Real time, ms. */
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Job-clock ms replayed so far. */
  onProgress?(atMs: number): void;
}

/**
 * Publishes the timeline in real time scaled by `speed`, looking every `tickMs`: an event goes out
 * at the first look at or after it is due (never early, at most one tick late), rows due in the
 * same tick as one event. Resolves after the last event.
 */
export async function play(timeline: readonly TimedEvent[], o: PlayOptions): Promise<void> {
  const t0 = o.now();
  let i = 0;
  while (i < timeline.length) {
    const due = (o.now() - t0) * o.speed;
    let rows: RankLogRow[] = [];
    const flushRows = () => {
      if (rows.length > 0) o.publish({ kind: 'rows', rows });
      rows = [];
    };
    for (; i < timeline.length && timeline[i].at_ms <= due; i++) {
      const e = timeline[i].event;
      if (e.kind === 'rows') {
        rows.push(...e.rows);
        continue;
      }
      flushRows();
      o.publish(e);
    }
    flushRows();
    o.onProgress?.(i < timeline.length ? due : timeline[timeline.length - 1].at_ms);
    if (i < timeline.length) await o.sleep(o.tickMs);
  }
}
