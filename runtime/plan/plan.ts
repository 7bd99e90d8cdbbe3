/**
 * The one plan format: written by `dynpipe plan`, read by every worker and the coordinator.
 * Close to PipeDream/DynPipe's `hybrid_conf.json` (`stage_to_rank_map`) + partition JSON
 * (`partition`: blocks per stage), so their files convert one-to-one.
 *
 * Invariants enforced by `validatePlan` (each failure names its field):
 *  - sum(partition) == num_blocks; stage i owns blocks [sum(partition[0..i)), sum(partition[0..i])).
 *  - stage_to_rank_map has exactly the keys "0".."S-1" (S = partition.length).
 *  - every rank 0..N-1 appears in exactly one stage (N = world size); replicas of a stage are listed
 *    in ascending order and split each microbatch, so a stage has at most microbatch_size replicas.
 */
import { z } from 'zod';
import { DynpipeError } from '../errors.js';
import { parseJsonWith, printJson, validateWith } from '../json-format.js';

const ArgValue = z.union([z.number(), z.string(), z.boolean()]);

export const TrainingSchema = z.object({
  optimizer: z.enum(['sgd', 'momentum', 'adam']).default('momentum'),
  lr: z.number().positive().default(0.01),
  momentum: z.number().min(0).max(1).default(0.9),
  weight_decay: z.number().min(0).default(0),
  seed: z.number().int().min(0).default(0),
});

export const PredictedSchema = z.object({
  objective: z.string(),
  stage_ms: z.array(z.number().nonnegative()),
  bottleneck_ms: z.number().nonnegative(),
  throughput_samples_per_s: z.number().nonnegative(),
  memory_bytes_per_rank: z.array(z.number().nonnegative()).optional(),
});

export const PlanSchema = z
  .object({
    version: z.literal(1),
    model: z.object({ name: z.string().min(1), args: z.record(z.string(), ArgValue).default({}) }),
    num_blocks: z.number().int().positive(),
    partition: z.array(z.number().int().positive()).min(1),
    stage_to_rank_map: z.record(z.string(), z.array(z.number().int().nonnegative()).min(1)),
    microbatch_size: z.number().int().positive(),
    schedule: z.enum(['1f1b', 'gpipe']).default('1f1b'),
    /** Microbatches admitted before the first backward; default = PipeDream's rule (see defaultInFlight). */
    in_flight: z.number().int().positive().optional(),
    /** gpipe: microbatches per flush (one optimizer step each flush). 1f1b: ignored (a step per microbatch). */
    microbatches_per_step: z.number().int().positive().default(1),
    training: TrainingSchema.default(TrainingSchema.parse({})),
    predicted: PredictedSchema.optional(),
  })
  .superRefine((p, ctx) => {
    const sum = p.partition.reduce((a, b) => a + b, 0);
    if (sum !== p.num_blocks) {
      ctx.addIssue({ code: 'custom', path: ['partition'], message: `blocks per stage sum to ${sum}, but num_blocks is ${p.num_blocks}` });
    }
    const stages = p.partition.length;
    const keys = Object.keys(p.stage_to_rank_map);
    for (let s = 0; s < stages; s++) {
      if (!(String(s) in p.stage_to_rank_map)) {
        ctx.addIssue({ code: 'custom', path: ['stage_to_rank_map', String(s)], message: `stage ${s} has no ranks` });
      }
    }
    for (const k of keys) {
      if (!/^(0|[1-9]\d*)$/.test(k) || Number(k) >= stages) {
        ctx.addIssue({ code: 'custom', path: ['stage_to_rank_map', k], message: `no such stage (plan has ${stages})` });
      }
    }
    const seen = new Map<number, string>();
    for (const k of keys) {
      const ranks = p.stage_to_rank_map[k];
      for (let i = 0; i < ranks.length; i++) {
        const r = ranks[i];
        if (i > 0 && ranks[i - 1] >= r) {
          ctx.addIssue({ code: 'custom', path: ['stage_to_rank_map', k], message: 'ranks must be listed in ascending order without repeats' });
        }
        const other = seen.get(r);
        if (other !== undefined && other !== k) {
          ctx.addIssue({ code: 'custom', path: ['stage_to_rank_map', k], message: `rank ${r} is also in stage ${other}` });
        }
        seen.set(r, k);
      }
      if (ranks.length > p.microbatch_size) {
        ctx.addIssue({ code: 'custom', path: ['stage_to_rank_map', k], message: `${ranks.length} replicas cannot split a microbatch of ${p.microbatch_size}` });
      }
    }
    const n = seen.size;
    for (let r = 0; r < n; r++) {
      if (!seen.has(r)) ctx.addIssue({ code: 'custom', path: ['stage_to_rank_map'], message: `ranks must be 0..${n - 1}; rank ${r} is missing` });
    }
    if (p.predicted && p.predicted.stage_ms.length !== stages) {
      ctx.addIssue({ code: 'custom', path: ['predicted', 'stage_ms'], message: `has ${p.predicted.stage_ms.length} entries for ${stages} stages` });
    }
  });

export type Plan = z.infer<typeof PlanSchema>;
export type PlanInput = z.input<typeof PlanSchema>;

/** Validates an object as a plan; throws E_PLAN_INVALID naming the field. `source` prefixes the message. */
export function validatePlan(value: unknown, source = 'plan'): Plan {
  return validateWith(PlanSchema, value, 'E_PLAN_INVALID', source);
}

export function parsePlan(text: string, source = 'plan'): Plan {
  return parseJsonWith(PlanSchema, text, 'E_PLAN_INVALID', source);
}

/** Stable, human-diffable JSON; parsePlan(printPlan(p)) deep-equals p. */
export function printPlan(plan: Plan): string {
  return printJson(plan);
}

export function numStages(plan: Plan): number {
  return plan.partition.length;
}

export function worldSize(plan: Plan): number {
  return Object.values(plan.stage_to_rank_map).reduce((n, r) => n + r.length, 0);
}

/** Block range [start, end) of each stage. */
export function stageRanges(plan: Plan): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = 0;
  for (const n of plan.partition) {
    out.push([start, start + n]);
    start += n;
  }
  return out;
}

export function ranksOfStage(plan: Plan, stage: number): number[] {
  return plan.stage_to_rank_map[String(stage)];
}

export function stageOfRank(plan: Plan, rank: number): number {
  for (const [k, ranks] of Object.entries(plan.stage_to_rank_map)) if (ranks.includes(rank)) return Number(k);
  throw new DynpipeError('E_PLAN_INVALID', `rank ${rank} is not in the plan (world size ${worldSize(plan)})`);
}

/**
 * PipeDream's rule for the number of microbatches in flight (NOAM): ceil(world size / replicas of
 * the input stage). For a straight pipeline this is the number of stages.
 */
export function defaultInFlight(plan: Plan): number {
  return Math.ceil(worldSize(plan) / ranksOfStage(plan, 0).length);
}

export function inFlight(plan: Plan): number {
  return plan.in_flight ?? defaultInFlight(plan);
}

/** A straight (one rank per stage) plan from blocks-per-stage counts. */
export function straightPlan(opts: {
  model: { name: string; args?: Record<string, number | string | boolean> };
  partition: number[];
  microbatchSize: number;
  schedule?: '1f1b' | 'gpipe';
  training?: Partial<Plan['training']>;
}): Plan {
  const map: Record<string, number[]> = {};
  opts.partition.forEach((_, s) => (map[String(s)] = [s]));
  return validatePlan({
    version: 1,
    model: { name: opts.model.name, args: opts.model.args ?? {} },
    num_blocks: opts.partition.reduce((a, b) => a + b, 0),
    partition: opts.partition,
    stage_to_rank_map: map,
    microbatch_size: opts.microbatchSize,
    schedule: opts.schedule ?? '1f1b',
    training: TrainingSchema.parse(opts.training ?? {}),
  });
}
