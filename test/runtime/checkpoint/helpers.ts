/** Fixtures for checkpoint tests: small host tensors, plans and a stage file's meta. */
import { validatePlan, type Plan } from '../../../runtime/plan/plan.js';
import type { HostTensor } from '../../../runtime/checkpoint/tensor-file.js';
import type { StageFileMeta } from '../../../runtime/checkpoint/stage-file.js';

export function f32(...values: number[]): HostTensor {
  return { shape: [values.length], dtype: 'float32', data: Float32Array.from(values) };
}

/** A 3-block plan: stage 0 = block 0 on rank 0, stage 1 = blocks 1-2 on ranks 1 and 2 (replicas). */
export const PLAN_A: Plan = validatePlan({
  version: 1, model: { name: 'mlp', args: {} }, num_blocks: 3, partition: [1, 2],
  stage_to_rank_map: { '0': [0], '1': [1, 2] }, microbatch_size: 4, training: { seed: 7 },
});

/** The same model split 2 + 1 on two ranks. */
export const PLAN_B: Plan = validatePlan({
  version: 1, model: { name: 'mlp', args: {} }, num_blocks: 3, partition: [2, 1],
  stage_to_rank_map: { '0': [0], '1': [1] }, microbatch_size: 4, training: { seed: 7 },
});

export function meta(rank: number, blocks: number[], cut: number, extra: Partial<StageFileMeta> = {}): StageFileMeta {
  return { rank, blocks, cutMicrobatch: cut, weightVersion: cut, planVersion: 0, seed: 7, plan: PLAN_A, ...extra };
}
