/**
 * Between planner results and the runtime's plan format (runtime/plan/plan.ts): `toPlan` turns a
 * partition into a validated plan with `predicted` filled in; `planAssignments` reads a plan's
 * stages back as assignments the cost model can evaluate (e.g. an imported PipeDream plan).
 */
import { type Plan, type PlanInput, TrainingSchema, stageRanges, validatePlan } from '../runtime/plan/plan.js';
import type { Objective } from './cost.js';
import type { PartitionResult, StageAssignment } from './evaluate.js';

export interface ToPlanOptions {
  readonly model: { readonly name: string; readonly args?: Readonly<Record<string, number | string | boolean>> };
  readonly microbatchSize: number;
  readonly schedule?: '1f1b' | 'gpipe';
  readonly training?: Partial<Plan['training']>;
}

/** The `predicted.objective` label: `pipedream` or `dynpipe(staleness=λ)`. */
export function objectiveLabel(objective: Objective): string {
  return objective.kind === 'pipedream' ? 'pipedream' : `dynpipe(staleness=${objective.stalenessWeight})`;
}

/** The plan the runtime runs for `result`; throws E_PLAN_INVALID if it breaks a plan invariant (e.g. more replicas than samples). */
export function toPlan(result: PartitionResult, opts: ToPlanOptions): Plan {
  const stageToRank: Record<string, number[]> = {};
  result.stages.forEach((s, k) => (stageToRank[String(k)] = s.ranks.slice()));
  const plan: PlanInput = {
    version: 1,
    model: { name: opts.model.name, args: { ...(opts.model.args ?? {}) } },
    num_blocks: result.stages[result.stages.length - 1].blocks[1],
    partition: result.stages.map((s) => s.blocks[1] - s.blocks[0]),
    stage_to_rank_map: stageToRank,
    microbatch_size: opts.microbatchSize,
    schedule: opts.schedule ?? '1f1b',
    training: TrainingSchema.parse(opts.training ?? {}),
    predicted: {
      objective: objectiveLabel(result.objective),
      stage_ms: result.stages.map((s) => s.timeMs),
      bottleneck_ms: result.bottleneckMs,
      throughput_samples_per_s: result.throughputSamplesPerS,
      memory_bytes_per_rank: result.memoryPerRankBytes.slice(),
    },
  };
  return validatePlan(plan, 'planner output');
}

/**
 * The plan's stages as assignments, when every stage holds a contiguous ascending rank range and
 * the ranges follow pipeline order (what the planner produces); undefined otherwise.
 */
export function planAssignments(plan: Plan): StageAssignment[] | undefined {
  let next = 0;
  const out: StageAssignment[] = [];
  for (const [k, range] of stageRanges(plan).entries()) {
    const ranks = plan.stage_to_rank_map[String(k)];
    if (ranks.some((r, x) => r !== next + x)) return undefined;
    out.push({ blocks: range, firstRank: next, replicas: ranks.length });
    next += ranks.length;
  }
  return out;
}
