/**
 * A whole simulated job: segments of one plan each (engine.ts), a policy decision at every window,
 * and plan changes the way the runtime makes them (runtime/migration/cut-window.ts):
 *
 *   window ends -> policy.decide -> repartition? cut the running window at
 *   M = (first microbatch no rank has forwarded) + slack  -> the old plan drains [.., M)
 *   -> pause (pause.ts) -> every rank starts [M, total) under the new plan at the same time.
 *
 * Windows that end while a change is under way are dropped undecided (as the coordinator does).
 * A decision too late to cut (M >= the window's end) is recorded and ignored. Deterministic: the
 * same config gives the same result, event for event.
 */
import { DynpipeError } from '../errors.js';
import { type Plan, inFlight, worldSize } from '../plan/plan.js';
import type { BlockCost } from '../../partitioner/cost.js';
import { type CostModel, checkCostModel, checkPlanFitsProfile, stageCostTable } from './costs.js';
import { Segment } from './engine.js';
import { type RankInterference, type SlowdownModel, Slowdowns } from './interference.js';
import { type PauseModel, pauseFor } from './pause.js';
import type { Decision, RankWindow, RepartitionPolicy } from './policy.js';
import type { SegmentRecorder } from './recorder.js';
import { type Topology, topologyOf } from './topology.js';

export interface SimulationConfig {
  readonly plan: Plan;
  /** Unslowed costs of each block for one microbatch of plan.microbatch_size samples. */
  readonly blocks: readonly BlockCost[];
  readonly costs: CostModel;
  readonly interference: readonly RankInterference[];
  readonly slowdownModel: SlowdownModel;
  /** Microbatches the job trains in total. */
  readonly microbatches: number;
  /** Microbatches per decision window, counted at the last stage (>= 1). */
  readonly windowMicrobatches: number;
  readonly policy: RepartitionPolicy;
  readonly pause: PauseModel;
  /** A cut lands this many microbatches after the first one no rank has forwarded (default 2 · in-flight). */
  readonly cutSlack?: number;
  /** Called after every window with the microbatches the last stage has finished. */
  readonly onProgress?: (microbatchesDone: number) => void;
}

export interface SegmentResult {
  readonly plan: Plan;
  readonly planVersion: number;
  readonly topology: Topology;
  readonly first: number;
  /** One past the last microbatch it ran (after any cut). */
  readonly end: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly recorder: SegmentRecorder;
  /** doneMs[r]: when rank r finished its stream. */
  readonly rankDoneMs: Float64Array;
}

export interface RepartitionRecord {
  /** The plan version moved to. */
  readonly planVersion: number;
  readonly cutAt: number;
  readonly decidedMs: number;
  /** When the last rank drained the old plan. */
  readonly drainedMs: number;
  readonly resumeMs: number;
  readonly pauseMs: number;
  readonly movedBlocks: number;
  readonly from: Plan;
  readonly to: Plan;
}

export interface DecisionRecord extends Decision {
  readonly timeMs: number;
  readonly iteration: number;
  readonly planVersion: number;
  readonly partition: readonly number[];
}

export interface SimulationResult {
  readonly segments: readonly SegmentResult[];
  readonly repartitions: readonly RepartitionRecord[];
  readonly decisions: readonly DecisionRecord[];
  /** Events popped over the whole run. */
  readonly events: number;
  readonly endMs: number;
}

function checkConfig(c: SimulationConfig): void {
  const bad = (field: string, v: unknown, want: string) => new DynpipeError('E_USAGE', `simulator: ${field} must be ${want}, got ${v}`);
  if (!(Number.isSafeInteger(c.microbatches) && c.microbatches >= 1)) throw bad('microbatches', c.microbatches, 'an integer >= 1');
  if (!(Number.isSafeInteger(c.windowMicrobatches) && c.windowMicrobatches >= 1)) throw bad('window', c.windowMicrobatches, 'an integer >= 1');
  if (c.cutSlack !== undefined && !(Number.isSafeInteger(c.cutSlack) && c.cutSlack >= 0)) throw bad('cut slack', c.cutSlack, 'an integer >= 0');
  checkCostModel(c.costs);
  checkPlanFitsProfile(c.plan, c.blocks);
}

/** The recorder's per-rank means since the last window, for the policy. */
function windowsOf(rec: SegmentRecorder, t: Topology): RankWindow[] {
  const out: RankWindow[] = [];
  for (let r = 0; r < t.ranks; r++) {
    const n = rec.windowCount[r];
    if (n > 0) out.push({ rank: r, stage: t.stageOf[r], microbatches: n, computeMs: rec.windowComputeMs[r] / n, waitMs: rec.windowWaitMs[r] / n, rows: t.rowsOf[r] });
  }
  return out;
}

/** Microbatches every replica of the last stage has completed. */
function lastStageDone(rec: SegmentRecorder, t: Topology): number {
  return rec.first + Math.min(...t.stageRanks[t.stages - 1].map((r) => rec.completed[r]));
}

export function simulate(c: SimulationConfig): SimulationResult {
  checkConfig(c);
  const n = worldSize(c.plan);
  const slowdowns = new Slowdowns(c.interference, n, c.slowdownModel);
  const segments: SegmentResult[] = [];
  const repartitions: RepartitionRecord[] = [];
  const decisions: DecisionRecord[] = [];
  let plan = c.plan;
  let planVersion = 0;
  let first = 0;
  let startMs = 0;
  let events = 0;
  while (first < c.microbatches) {
    const topology = topologyOf(plan);
    const seg = new Segment({
      plan, topology, costs: stageCostTable(plan, c.blocks, c.costs), network: c.costs.network, slowdowns,
      first, microbatches: c.microbatches - first, startMs, windowMicrobatches: c.windowMicrobatches,
    });
    let change: { to: Plan; cutAt: number; decidedMs: number } | undefined;
    while (seg.advance() === 'window') {
      const windows = windowsOf(seg.recorder, topology);
      seg.recorder.resetWindow();
      const iteration = lastStageDone(seg.recorder, topology);
      c.onProgress?.(iteration);
      if (change) continue;
      const d = c.policy.decide({ timeMs: seg.now, iteration, totalIterations: c.microbatches, plan, blocks: c.blocks, windows });
      decisions.push({ ...d, timeMs: seg.now, iteration, planVersion, partition: plan.partition });
      if (d.action !== 'repartition' || !d.plan) continue;
      if (worldSize(d.plan) !== n) throw new DynpipeError('E_PLAN_INVALID', `simulator: the policy proposed a plan of ${worldSize(d.plan)} ranks for a job of ${n}`);
      const cutAt = seg.nextUnforwarded + (c.cutSlack ?? 2 * inFlight(plan));
      if (cutAt >= seg.end) continue;
      seg.cut(cutAt);
      change = { to: d.plan, cutAt, decidedMs: seg.now };
    }
    events += seg.events;
    const endMs = seg.endMs;
    segments.push({
      plan, planVersion, topology, first, end: seg.end, startMs, endMs, recorder: seg.recorder,
      rankDoneMs: Float64Array.from({ length: n }, (_, r) => seg.rankDoneMs(r)),
    });
    if (!change) break;
    const pause = pauseFor(c.pause, plan, change.to, c.blocks);
    const resumeMs = endMs + pause.pauseMs;
    repartitions.push({ planVersion: planVersion + 1, cutAt: change.cutAt, decidedMs: change.decidedMs, drainedMs: endMs, resumeMs, pauseMs: pause.pauseMs, movedBlocks: pause.movedBlocks, from: plan, to: change.to });
    c.policy.applied(resumeMs, pause.pauseMs);
    plan = change.to;
    planVersion++;
    first = change.cutAt;
    startMs = resumeMs;
  }
  return { segments, repartitions, decisions, events, endMs: segments[segments.length - 1].endMs };
}
