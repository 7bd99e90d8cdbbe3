/**
 * A simulation as THE per-rank log (runtime/log/rank-log.ts), so simulated and measured runs go
 * through the same summaries and figures:
 *
 *  - step: one per rank and microbatch, fields as the worker's executor charges them (recorder.ts);
 *    `iteration` is the optimizer step the microbatch belongs to (1f1b: the microbatch itself;
 *    gpipe: its flush, counted over the whole job); `send_wait_ms` is 0 (sends are asynchronous);
 *    `samples_per_s` = rows / (forward + backward + waits + optimizer), as the worker computes it;
 *    no `loss` (nothing is trained);
 *  - repartition: per rank, from when it drained the old plan (`time_ms`) to the common restart
 *    (`pause_ms`), under the new plan's version and stage, `iteration` = the cut microbatch;
 *  - interference: per (trace event, rank it lands on), `level` heavy at intensity >= 0.5,
 *    `predicted_slowdown` = the compute factor the simulator applied (none for net delays).
 * Times are rounded to the nanosecond (6 decimals of a ms), so a row prints and parses back
 * exactly. Rows of one rank come in time order (ties: interference, repartition, step).
 */
import type { InterferenceRow, RankLogRow, RepartitionRow, StepRow } from '../log/rank-log.js';
import type { RankInterference } from './interference.js';
import type { SegmentResult, SimulationResult } from './simulate.js';

/** x rounded to 6 decimals (module comment). */
export function ns(x: number): number {
  const r = Math.round(x * 1e6) / 1e6;
  return r === 0 ? 0 : r;
}

/** First optimizer step (job-wide) of each segment. */
function firstSteps(segments: readonly SegmentResult[]): number[] {
  const out: number[] = [];
  let steps = 0;
  for (const s of segments) {
    out.push(steps);
    steps += s.plan.schedule === 'gpipe' ? Math.ceil((s.end - s.first) / s.plan.microbatches_per_step) : s.end - s.first;
  }
  return out;
}

/** Rank r's step rows in one segment, in completion order. */
export function stepRows(seg: SegmentResult, r: number, firstStep: number): StepRow[] {
  const rec = seg.recorder;
  const stage = seg.topology.stageOf[r];
  const rows = seg.topology.rowsOf[r];
  const perStep = seg.plan.schedule === 'gpipe' ? seg.plan.microbatches_per_step : 1;
  const out: StepRow[] = [];
  for (let k = 0; k < rec.completed[r]; k++) {
    const j = rec.order[r * rec.span + k];
    const c = r * rec.span + j;
    const forward = ns(rec.forwardMs[c]);
    const backward = ns(rec.backwardMs[c]);
    const recvWait = ns(rec.recvWaitMs[c]);
    const optimizer = ns(rec.optimizerMs[c]);
    const busy = forward + backward + recvWait + optimizer;
    out.push({
      row: 'step', time_ms: ns(rec.doneMs[c]), rank: r, stage, plan_version: seg.planVersion,
      iteration: seg.plan.schedule === 'gpipe' ? firstStep + Math.floor(j / perStep) : seg.first + j,
      microbatch: seg.first + j, forward_ms: forward, backward_ms: backward, recv_wait_ms: recvWait, send_wait_ms: 0,
      optimizer_ms: optimizer, samples_per_s: busy > 0 ? ns((1000 * rows) / busy) : 0,
    });
  }
  return out;
}

/** Rank r's repartition rows. */
export function repartitionRows(result: SimulationResult, r: number, mode: string): RepartitionRow[] {
  return result.repartitions.map((p, k) => {
    const drained = result.segments[k].rankDoneMs[r];
    const next = result.segments[k + 1];
    return {
      row: 'repartition', time_ms: ns(drained), rank: r, stage: next.topology.stageOf[r], plan_version: p.planVersion,
      iteration: p.cutAt, pause_ms: ns(p.resumeMs - drained), old_partition: [...p.from.partition], new_partition: [...p.to.partition],
      detail: `mode=${mode} simulated moved_blocks=${p.movedBlocks}`,
    };
  });
}

/** The segment in force at time t (the latest one started at or before t). */
function segmentAt(result: SimulationResult, t: number): SegmentResult {
  let seg = result.segments[0];
  for (const s of result.segments) if (s.startMs <= t) seg = s;
  return seg;
}

/** Rank r's interference rows: events starting before the run ended, cut at its end. */
export function interferenceRows(result: SimulationResult, landed: readonly RankInterference[], r: number): InterferenceRow[] {
  const out: InterferenceRow[] = [];
  for (const x of landed) {
    if (x.rank !== r || x.startMs >= result.endMs) continue;
    const seg = segmentAt(result, x.startMs);
    const row: InterferenceRow = {
      row: 'interference', time_ms: ns(x.startMs), rank: r, stage: seg.topology.stageOf[r], plan_version: seg.planVersion,
      duration_ms: ns(Math.min(x.endMs, result.endMs) - x.startMs), level: x.intensity >= 0.5 ? 'heavy' : 'light',
      detail: `kind=${x.kind} intensity=${x.intensity}`,
    };
    if (x.kind !== 'net') row.predicted_slowdown = x.factor;
    if (row.duration_ms > 0) out.push(row);
  }
  return out;
}

const ORDER: Record<RankLogRow['row'], number> = { interference: 0, repartition: 1, step: 2, eval: 3 };

/** Every row of rank r, in time order (module comment). */
export function rankRows(result: SimulationResult, landed: readonly RankInterference[], r: number, mode: string): RankLogRow[] {
  const steps = firstSteps(result.segments);
  const rows: RankLogRow[] = [...interferenceRows(result, landed, r), ...repartitionRows(result, r, mode)];
  result.segments.forEach((seg, k) => rows.push(...stepRows(seg, r, steps[k])));
  return rows.sort((a, b) => a.time_ms - b.time_ms || ORDER[a.row] - ORDER[b.row]);
}
