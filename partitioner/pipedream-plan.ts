/**
 * Converts PipeDream / DynPipe plan files into our plan format.
 *
 *  - PipeDream's `hybrid_conf.json`: `{"module_to_stage_map": [0, 1, 1, 2], "stage_to_rank_map":
 *    {"0": [0, 1], "1": [2], ...}}` — which ranks run each stage (the stage modules themselves are
 *    generated code, so the file does not say how many layers a stage has).
 *  - DynPipe's partition JSON: `{"partition": [12, 13, 13, 11], "batch_size_all": [16], ...}` —
 *    blocks per stage of a straight pipeline (stage k on rank k).
 *
 * Given both, `partition` says how many blocks each stage has and `stage_to_rank_map` which ranks
 * run it. `partition` may also list blocks per PipeDream *module*: then `module_to_stage_map` folds
 * modules into stages (a trailing extra module — PipeDream's loss criterion — is ignored).
 * Every problem is an E_PLAN_INVALID naming the file and field.
 */
import { z } from 'zod';
import { DynpipeError } from '../runtime/errors.js';
import { type Plan, TrainingSchema, validatePlan } from '../runtime/plan/plan.js';

const HybridConfSchema = z.object({
  module_to_stage_map: z.array(z.number().int().nonnegative()).optional(),
  stage_to_rank_map: z.record(z.string(), z.array(z.number().int().nonnegative()).min(1)),
});

const PartitionFileSchema = z.object({
  partition: z.array(z.number().int().positive()).min(1),
  batch_size_all: z.array(z.number().int().positive()).min(1).optional(),
  batch_size: z.array(z.number().int().positive()).min(1).optional(),
});

export type HybridConf = z.infer<typeof HybridConfSchema>;
export type PartitionFile = z.infer<typeof PartitionFileSchema>;

function parseWith<T>(schema: z.ZodType<T>, value: unknown, source: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new DynpipeError('E_PLAN_INVALID', `${source}: ${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`);
}

export interface PipedreamPlanInput {
  /** Parsed `hybrid_conf.json` and its file name; omitted = straight pipeline. */
  readonly hybridConf?: { readonly value: unknown; readonly source: string };
  /** Parsed DynPipe partition JSON and its file name. */
  readonly partition: { readonly value: unknown; readonly source: string };
  readonly model: { readonly name: string; readonly args?: Readonly<Record<string, number | string | boolean>> };
  /** Overrides the file's `batch_size_all[0]` / `batch_size[0]`. */
  readonly microbatchSize?: number;
}

/** Blocks per stage from per-module counts, folding modules into stages in order. */
function foldModules(counts: readonly number[], moduleToStage: readonly number[], stages: number, where: string): number[] {
  const perStage = new Array<number>(stages).fill(0);
  counts.forEach((c, mod) => {
    const s = moduleToStage[mod];
    if (mod > 0 && s < moduleToStage[mod - 1]) throw new DynpipeError('E_PLAN_INVALID', `${where}: module_to_stage_map.${mod}: stages must not decrease along the modules`);
    if (s >= stages) throw new DynpipeError('E_PLAN_INVALID', `${where}: module_to_stage_map.${mod}: stage ${s} is not in stage_to_rank_map (${stages} stages)`);
    perStage[s] += c;
  });
  const empty = perStage.findIndex((c) => c === 0);
  if (empty >= 0) throw new DynpipeError('E_PLAN_INVALID', `${where}: stage ${empty} gets no blocks`);
  return perStage;
}

export function convertPipedreamPlan(input: PipedreamPlanInput): Plan {
  const part = parseWith(PartitionFileSchema, input.partition.value, input.partition.source);
  let partition = part.partition;
  let stageToRank: Record<string, number[]>;
  let source = input.partition.source;
  if (input.hybridConf) {
    const conf = parseWith(HybridConfSchema, input.hybridConf.value, input.hybridConf.source);
    const stages = Object.keys(conf.stage_to_rank_map).length;
    const modules = conf.module_to_stage_map;
    source = `${input.hybridConf.source} + ${input.partition.source}`;
    if (partition.length !== stages) {
      if (!modules || (partition.length !== modules.length && partition.length !== modules.length - 1)) {
        throw new DynpipeError(
          'E_PLAN_INVALID',
          `${input.partition.source}: partition has ${partition.length} entries, but ${input.hybridConf.source} has ${stages} stages` +
            (modules ? ` and ${modules.length} modules` : ''),
        );
      }
      partition = foldModules(partition, modules, stages, input.hybridConf.source);
    }
    stageToRank = conf.stage_to_rank_map;
  } else {
    stageToRank = Object.fromEntries(partition.map((_, k) => [String(k), [k]]));
  }
  const microbatch = input.microbatchSize ?? part.batch_size_all?.[0] ?? part.batch_size?.[0];
  if (microbatch === undefined) throw new DynpipeError('E_PLAN_INVALID', `${input.partition.source}: batch_size_all: missing; give the microbatch size (--batch)`);
  return validatePlan(
    {
      version: 1,
      model: { name: input.model.name, args: { ...(input.model.args ?? {}) } },
      num_blocks: partition.reduce((a, b) => a + b, 0),
      partition,
      stage_to_rank_map: stageToRank,
      microbatch_size: microbatch,
      schedule: '1f1b',
      training: TrainingSchema.parse({}),
    },
    source,
  );
}
