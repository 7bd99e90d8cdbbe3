/** Small simulated jobs for the tests: one block per stage, so stage times are exactly the given ones. */
import { type Plan, straightPlan, validatePlan } from '../../runtime/plan/plan.js';
import type { BlockCost } from '../../partitioner/cost.js';
import { DEFAULT_SLOWDOWN_MODEL, type RankInterference } from '../../runtime/sim/interference.js';
import { NeverPolicy, type RepartitionPolicy } from '../../runtime/sim/policy.js';
import { type SimulationConfig, type SimulationResult, simulate } from '../../runtime/sim/simulate.js';

export interface StraightJob {
  forwardMs: number[];
  backwardMs: number[];
  /** Every message's time (the latency; activations have 0 bytes). */
  transferMs?: number;
  schedule?: '1f1b' | 'gpipe';
  microbatches: number;
  microbatchesPerStep?: number;
  inFlight?: number;
}

export function blocksOf(forwardMs: readonly number[], backwardMs: readonly number[], bytes: Partial<Pick<BlockCost, 'activationBytes' | 'paramBytes'>> = {}): BlockCost[] {
  return forwardMs.map((f, s) => ({ forwardMs: f, backwardMs: backwardMs[s], activationBytes: bytes.activationBytes ?? 0, paramBytes: bytes.paramBytes ?? 0 }));
}

export function straightJobPlan(job: StraightJob): Plan {
  const plan = straightPlan({ model: { name: 'test' }, partition: job.forwardMs.map(() => 1), microbatchSize: 8, schedule: job.schedule ?? '1f1b' });
  return validatePlan({ ...plan, in_flight: job.inFlight, microbatches_per_step: job.microbatchesPerStep ?? 1 });
}

/** Defaults: free optimizer, latency = transferMs, huge bandwidth, no interference, pipedream policy. */
export function config(plan: Plan, blocks: BlockCost[], over: Partial<SimulationConfig> = {}, transferMs = 0): SimulationConfig {
  return {
    plan,
    blocks,
    costs: { network: { bandwidthBytesPerS: 1e30, latencyMs: transferMs }, optimizerBytesPerS: Infinity },
    interference: [] as RankInterference[],
    slowdownModel: DEFAULT_SLOWDOWN_MODEL,
    microbatches: 10,
    windowMicrobatches: 5,
    policy: new NeverPolicy() as RepartitionPolicy,
    pause: { kind: 'live', fixedMs: 0, bandwidthBytesPerS: 1e9 },
    ...over,
  };
}

export function runStraight(job: StraightJob): SimulationResult {
  const plan = straightJobPlan(job);
  return simulate(config(plan, blocksOf(job.forwardMs, job.backwardMs), { microbatches: job.microbatches }, job.transferMs ?? 0));
}

/** When rank r completed each microbatch (its row's time), by microbatch, in the first segment. */
export function doneTimes(result: SimulationResult, r: number): number[] {
  const seg = result.segments[0];
  const rec = seg.recorder;
  return Array.from({ length: seg.end - seg.first }, (_, j) => rec.doneMs[rec.cell(r, seg.first + j)]);
}
