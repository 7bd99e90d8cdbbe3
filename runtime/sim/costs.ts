/**
 * What each instruction costs in the simulator, from a profile and a network model.
 *
 *  - forward/backward of stage s on one whole microbatch = the sum over its blocks of the profile's
 *    times, scaled linearly from the profile's batch size to the plan's microbatch size (as the
 *    controller's block costs are); a replica computing `rows` of the `B` rows takes rows / B of it;
 *  - a message of `rows` rows across the cut after stage s takes
 *      latencyMs + boundaryBytes(s) · rows / B / bandwidth,
 *    boundaryBytes(s) = the last block's output activation for one whole microbatch (its gradient
 *    has the same size);
 *  - allreduce-grads of a stage with m > 1 replicas: a ring, 2 (m - 1) / m · paramBytes / bandwidth
 *    plus 2 (m - 1) latencies; the step: paramBytes / optimizerBytesPerS (0 when that is Infinity);
 *  - load-input, load-labels and the send calls themselves: 0 (sends are asynchronous).
 * Compute (forward, backward, step) is then stretched by the rank's slowdown (interference.ts).
 */
import { check } from '../errors.js';
import { type Plan, stageRanges } from '../plan/plan.js';
import type { BlockCost } from '../../partitioner/cost.js';
import type { Profile } from '../../profile/format.js';

export interface NetworkModel {
  readonly bandwidthBytesPerS: number;
  /** Fixed cost of every message (and of each ring step of an all-reduce). */
  readonly latencyMs: number;
}

export interface CostModel {
  readonly network: NetworkModel;
  /** Parameter bytes the optimizer step updates per second; Infinity = a free step. */
  readonly optimizerBytesPerS: number;
}

/** Per-stage costs of one whole microbatch on an unslowed rank; arrays indexed by stage. */
export interface StageCostTable {
  readonly forwardMs: Float64Array;
  readonly backwardMs: Float64Array;
  /** Output activation of the stage's last block for one whole microbatch (0 for the last stage). */
  readonly boundaryBytes: Float64Array;
  readonly paramBytes: Float64Array;
  readonly optimizerMs: Float64Array;
  readonly allreduceMs: Float64Array;
}

/** Checks the model's numbers (E_USAGE naming the field). */
export function checkCostModel(m: CostModel): void {
  const { bandwidthBytesPerS, latencyMs } = m.network;
  check(bandwidthBytesPerS > 0 && !Number.isNaN(bandwidthBytesPerS), 'E_USAGE', () => `simulator: bandwidth must be > 0 bytes/s, got ${bandwidthBytesPerS}`);
  check(latencyMs >= 0 && Number.isFinite(latencyMs), 'E_USAGE', () => `simulator: latency must be a finite number >= 0 ms, got ${latencyMs}`);
  check(m.optimizerBytesPerS > 0, 'E_USAGE', () => `simulator: optimizer rate must be > 0 bytes/s, got ${m.optimizerBytesPerS}`);
}

/**
 * The profile's blocks as the planner's costs for one microbatch of `microbatchSize` samples: times
 * and activations scaled from the profile's batch size, parameters as they are.
 */
export function profileBlockCosts(profile: Profile, microbatchSize: number): BlockCost[] {
  const scale = microbatchSize / profile.batch_size;
  return profile.blocks.map((b) => ({
    forwardMs: b.forward_ms * scale,
    backwardMs: b.backward_ms * scale,
    activationBytes: b.activation_bytes * scale,
    paramBytes: b.param_bytes,
  }));
}

/** Checks that `plan` splits exactly the profile's blocks (E_USAGE naming both). */
export function checkPlanFitsProfile(plan: Plan, blocks: readonly BlockCost[], planSource = 'plan', profileSource = 'profile'): void {
  check(plan.num_blocks === blocks.length, 'E_USAGE', () => `${planSource}: num_blocks is ${plan.num_blocks}, but ${profileSource} has ${blocks.length} blocks`);
}

/** Message time for `bytes` (module comment). */
export function messageMs(network: NetworkModel, bytes: number): number {
  return network.latencyMs + (bytes / network.bandwidthBytesPerS) * 1000;
}

/** Ring all-reduce of `paramBytes` among `replicas` (0 for one replica). */
export function allreduceMs(network: NetworkModel, paramBytes: number, replicas: number): number {
  if (replicas <= 1) return 0;
  const m = replicas;
  return ((2 * (m - 1)) / m) * (paramBytes / network.bandwidthBytesPerS) * 1000 + 2 * (m - 1) * network.latencyMs;
}

/** The per-stage table for `plan` (module comment). */
export function stageCostTable(plan: Plan, blocks: readonly BlockCost[], model: CostModel): StageCostTable {
  checkPlanFitsProfile(plan, blocks);
  const ranges = stageRanges(plan);
  const s = ranges.length;
  const t: StageCostTable = {
    forwardMs: new Float64Array(s),
    backwardMs: new Float64Array(s),
    boundaryBytes: new Float64Array(s),
    paramBytes: new Float64Array(s),
    optimizerMs: new Float64Array(s),
    allreduceMs: new Float64Array(s),
  };
  ranges.forEach(([a, b], k) => {
    for (let i = a; i < b; i++) {
      t.forwardMs[k] += blocks[i].forwardMs;
      t.backwardMs[k] += blocks[i].backwardMs;
      t.paramBytes[k] += blocks[i].paramBytes;
    }
    t.boundaryBytes[k] = k + 1 < s ? blocks[b - 1].activationBytes : 0;
    t.optimizerMs[k] = Number.isFinite(model.optimizerBytesPerS) ? (t.paramBytes[k] / model.optimizerBytesPerS) * 1000 : 0;
    t.allreduceMs[k] = allreduceMs(model.network, t.paramBytes[k], plan.stage_to_rank_map[String(k)].length);
  });
  return t;
}

