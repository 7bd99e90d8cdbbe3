/**
 * A job checkpoint taken at a drained cut: every rank writes the state of the blocks it holds
 * (state-entries.ts) to `rank-<r>.tensors`; once all have, the coordinator writes `manifest.json`,
 * which names the plan to continue with, the cut microbatch and, per file, the blocks it holds.
 *
 *   <checkpoint-dir>/v<planVersion>-mb<cut>/
 *       rank-0.tensors ... rank-<N-1>.tensors     (tensor-file.ts: checksummed)
 *       manifest.json                              (written last: its presence means complete)
 *
 * Every file is written to a temporary name and renamed, so a crash leaves either the old file or
 * the new one, never half of one. A checkpoint without a manifest is incomplete and is refused.
 * State is keyed by block, not by rank: a job may resume with any plan of the same model, and each
 * rank loads the blocks it now holds from whichever files hold them (replicas hold equal copies).
 */
import { readFile, rename, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { DynpipeError } from '../errors.js';
import { type Plan, validatePlan } from '../plan/plan.js';
import { entryBlock } from './state-entries.js';
import { decodeTensors, encodeTensors, type HostTensor } from './tensor-file.js';

export const MANIFEST_FILE = 'manifest.json';

/** The directory name of the checkpoint taken when plan version `planVersion` starts at microbatch `cut`. */
export function checkpointName(planVersion: number, cut: number): string {
  return `v${planVersion}-mb${cut}`;
}

export function rankFileName(rank: number): string {
  return `rank-${rank}.tensors`;
}

const ManifestSchema = z.strictObject({
  format: z.literal('dynpipe-checkpoint'),
  version: z.literal(1),
  /** First microbatch the resumed job runs. */
  cut_microbatch: z.number().int().nonnegative(),
  /** Weight version every stage holds at the cut (optimizer steps taken). */
  weight_version: z.number().int().nonnegative(),
  /** Version of `plan` (the plan to continue with). */
  plan_version: z.number().int().nonnegative(),
  plan: z.record(z.string(), z.unknown()),
  /** Job clock (ms) when each rank drained at the cut, by rank: a restart's pause starts there. */
  drained_at_ms: z.array(z.number().nonnegative()),
  /** Blocks per stage of the plan the job ran before the cut. */
  previous_partition: z.array(z.number().int().positive()).min(1),
  files: z.array(z.strictObject({ file: z.string().regex(/^rank-\d+\.tensors$/), rank: z.number().int().nonnegative(), blocks: z.array(z.number().int().nonnegative()) })).min(1),
});

export interface CheckpointManifest {
  cutMicrobatch: number;
  weightVersion: number;
  planVersion: number;
  plan: Plan;
  drainedAtMs: number[];
  previousPartition: number[];
  files: Array<{ file: string; rank: number; blocks: number[] }>;
}

async function atomicWrite(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    throw new DynpipeError('E_IO', `cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** Writes one rank's state file into `dir` (created if needed); returns its file name. */
export async function writeRankState(dir: string, rank: number, entries: ReadonlyMap<string, HostTensor>, meta: Record<string, unknown>): Promise<string> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new DynpipeError('E_IO', `cannot create checkpoint directory ${dir}: ${(e as Error).message}`, { cause: e });
  }
  const file = rankFileName(rank);
  await atomicWrite(join(dir, file), encodeTensors(entries, { rank, ...meta }));
  return file;
}

/** Writes the manifest (last, atomically): the checkpoint is complete from then on. */
export async function writeManifest(dir: string, m: CheckpointManifest): Promise<void> {
  const value = {
    format: 'dynpipe-checkpoint', version: 1, cut_microbatch: m.cutMicrobatch, weight_version: m.weightVersion,
    plan_version: m.planVersion, plan: m.plan, drained_at_ms: m.drainedAtMs, previous_partition: m.previousPartition, files: m.files,
  };
  await atomicWrite(join(dir, MANIFEST_FILE), JSON.stringify(value, null, 2) + '\n');
}

/** Reads and validates `dir/manifest.json`; E_CHECKPOINT names the directory and what is wrong. */
export async function readManifest(dir: string): Promise<CheckpointManifest> {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DynpipeError('E_CHECKPOINT', code === 'ENOENT' ? `checkpoint ${dir} is incomplete: no ${MANIFEST_FILE} (not every rank finished writing)` : `cannot read ${path}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new DynpipeError('E_CHECKPOINT', `${path}: not valid JSON (${(e as Error).message})`);
  }
  const r = ManifestSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new DynpipeError('E_CHECKPOINT', `${path}: ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  const m = r.data;
  return {
    cutMicrobatch: m.cut_microbatch, weightVersion: m.weight_version, planVersion: m.plan_version,
    plan: validatePlan(m.plan, `${path}: plan`), drainedAtMs: m.drained_at_ms, previousPartition: m.previous_partition, files: m.files,
  };
}

/**
 * The entries of `blocks` from the checkpoint, each block read from `preferRank`'s file when it
 * holds the block, else from the first file that does. E_CHECKPOINT if no file holds a block or a
 * file is corrupt (tensor-file.ts checks its SHA-256).
 */
export async function readBlockEntries(dir: string, m: CheckpointManifest, blocks: readonly number[], preferRank: number): Promise<Map<string, HostTensor>> {
  const chosen = new Map<string, number[]>();
  for (const b of blocks) {
    const holders = m.files.filter((f) => f.blocks.includes(b));
    const f = holders.find((h) => h.rank === preferRank) ?? holders[0];
    if (!f) throw new DynpipeError('E_CHECKPOINT', `checkpoint ${dir}: no file holds block ${b}`);
    chosen.set(f.file, [...(chosen.get(f.file) ?? []), b]);
  }
  const out = new Map<string, HostTensor>();
  for (const [file, fileBlocks] of chosen) {
    const path = join(dir, file);
    let buf: Buffer;
    try {
      buf = await readFile(path);
    } catch (e) {
      throw new DynpipeError('E_CHECKPOINT', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const wanted = new Set(fileBlocks);
    for (const [name, t] of decodeTensors(buf, path).tensors) {
      const block = entryBlock(name);
      if (block !== undefined && wanted.has(block)) out.set(name, t);
    }
  }
  return out;
}
