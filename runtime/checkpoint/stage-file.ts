/**
 * One rank's file of a checkpoint set: the state of the blocks it holds (entry names as in
 * state-entries.ts: live parameters and buffers, optimizer slots) plus what a resumed rank must
 * know besides tensors — its rank and blocks, the cut microbatch (the data iterator's position),
 * the weight version, the plan version, the seed and the plan. Checkpoints are taken with the
 * pipeline drained, so no weight-stash version is in flight: the live weights are all there is.
 * Pure: bytes in, bytes out; tensor-file.ts adds the format tag and the payload's SHA-256.
 */
import { z } from 'zod';
import { DynpipeError } from '../errors.js';
import { type Plan, validatePlan } from '../plan/plan.js';
import { entryBlock } from './state-entries.js';
import { type HostTensor, decodeTensors, encodeTensors } from './tensor-file.js';

export const STAGE_FILE_KIND = 'dynpipe-stage';

export interface StageFileMeta {
  rank: number;
  /** Global block indices, ascending and contiguous. */
  blocks: number[];
  cutMicrobatch: number;
  weightVersion: number;
  planVersion: number;
  seed: number;
  plan: Plan;
}

const Index = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const MetaSchema = z.strictObject({
  kind: z.literal(STAGE_FILE_KIND),
  rank: Index,
  blocks: z.array(Index).min(1),
  cutMicrobatch: Index,
  weightVersion: Index,
  planVersion: Index,
  seed: Index,
  plan: z.record(z.string(), z.unknown()),
});

/** The file's bytes. Every entry must belong to one of `meta.blocks` (E_CHECKPOINT otherwise). */
export function encodeStageFile(entries: ReadonlyMap<string, HostTensor>, meta: StageFileMeta): Buffer {
  checkEntriesInBlocks(entries, meta.blocks, `rank ${meta.rank}'s checkpoint file`);
  return encodeTensors(entries, { kind: STAGE_FILE_KIND, ...meta });
}

/** Decodes and validates a stage file; E_CHECKPOINT names `source` and the fault. */
export function decodeStageFile(buf: Uint8Array, source: string): { entries: Map<string, HostTensor>; meta: StageFileMeta } {
  const { tensors, meta } = decodeTensors(buf, source);
  const r = MetaSchema.safeParse(meta);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new DynpipeError('E_CHECKPOINT', `${source}: not a stage checkpoint file: meta.${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  let plan: Plan;
  try {
    plan = validatePlan(r.data.plan, 'meta.plan');
  } catch (e) {
    throw new DynpipeError('E_CHECKPOINT', `${source}: ${(e as Error).message}`);
  }
  const { kind: _kind, ...rest } = r.data;
  checkEntriesInBlocks(tensors, rest.blocks, source);
  return { entries: tensors, meta: { ...rest, plan } };
}

function checkEntriesInBlocks(entries: ReadonlyMap<string, HostTensor>, blocks: readonly number[], source: string): void {
  const held = new Set(blocks);
  for (const name of entries.keys()) {
    const b = entryBlock(name);
    if (b === undefined || !held.has(b)) {
      throw new DynpipeError('E_CHECKPOINT', `${source}: tensor '${name.slice(0, 80)}' is not state of blocks [${blocks.join(', ')}]`);
    }
  }
}
