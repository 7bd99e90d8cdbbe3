/**
 * The manifest of one checkpoint set: the single file whose presence makes a set complete. The
 * coordinator writes it last, after every rank reported its file, and it names each file with its
 * size and SHA-256, so a set is usable only if every file it names is there, whole and unaltered.
 * Pure: text in, value out (checkpoint-store.ts does the I/O).
 *
 *   { "format": "dynpipe-checkpoint", "version": 2,
 *     "cut_microbatch": 12,        first microbatch a resumed job runs (the data iterator's position)
 *     "weight_version": 12,        optimizer steps every stage has taken at the cut
 *     "plan_version": 0,           version of `plan` (bumped when a job resumes under another plan)
 *     "seed": 3,                   plan.training.seed: parameter init, data order and synthetic data
 *     "plan": {...},               the plan to continue with (plan/plan.ts): the one the files were
 *                                  written under, or at a plan change's cut the new one
 *     "files": [{ "file": "rank-0.tensors", "rank": 0, "blocks": [0, 1], "bytes": 1234, "sha256": "…" }, …],
 *     "extra": {...} }             optional annotations of the writer (numbers, strings, booleans, number lists)
 *
 * Invariants checked by `parseManifest` (each failure is E_CHECKPOINT naming the source and field):
 * one file per rank, named `rank-<r>.tensors` (no other path can be named); each file's blocks are a
 * contiguous ascending range of the plan's blocks; every block is held by some file.
 */
import { z } from 'zod';
import { DynpipeError, oneLine } from '../errors.js';
import { type Plan, validatePlan } from '../plan/plan.js';

export const MANIFEST_FORMAT = 'dynpipe-checkpoint';
export const MANIFEST_VERSION = 2;

/** The one name a rank's file may have inside a set: nothing else can be read through a manifest. */
export function rankFileName(rank: number): string {
  return `rank-${rank}.tensors`;
}

export interface RankFileRecord {
  file: string;
  rank: number;
  /** Global indices of the blocks whose state the file holds, ascending and contiguous. */
  blocks: number[];
  bytes: number;
  /** Hex SHA-256 of the whole file. */
  sha256: string;
}

export type ExtraValue = number | string | boolean | number[];

/**
 * The extras of a set taken at a plan change's cut (coordinator/cutover-driver.ts): when each rank
 * drained there (job clock, ms, by rank) and the partition the job ran before the cut. A rank
 * restarted from such a set logs the change with them.
 */
export const CUT_EXTRAS = { drainedAtMs: 'drained_at_ms', previousPartition: 'previous_partition' } as const;

export interface Manifest {
  cutMicrobatch: number;
  weightVersion: number;
  planVersion: number;
  seed: number;
  plan: Plan;
  files: RankFileRecord[];
  extra?: Record<string, ExtraValue>;
}

const Index = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

const FileSchema = z.strictObject({
  file: z.string().max(64),
  rank: z.number().int().nonnegative().max(1_000_000),
  blocks: z.array(z.number().int().nonnegative().max(1_000_000)).min(1).max(1_000_000),
  bytes: Index,
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits'),
});

const ManifestSchema = z.strictObject({
  format: z.literal(MANIFEST_FORMAT),
  version: z.literal(MANIFEST_VERSION),
  cut_microbatch: Index,
  weight_version: Index,
  plan_version: Index,
  seed: Index,
  plan: z.record(z.string(), z.unknown()),
  files: z.array(FileSchema).min(1).max(1_000_000),
  extra: z.record(z.string().max(64), z.union([z.number(), z.string().max(4096), z.boolean(), z.array(z.number()).max(100_000)])).optional(),
});

function bad(source: string, what: string): DynpipeError {
  return new DynpipeError('E_CHECKPOINT', `${source}: ${oneLine(what, 500)}`);
}

/** Checks the cross-field invariants of the file list against the plan's block count. */
function checkFiles(files: readonly RankFileRecord[], numBlocks: number, source: string): void {
  const ranks = new Set<number>();
  const held = new Set<number>();
  files.forEach((f, i) => {
    const at = `files.${i}`;
    if (f.file !== rankFileName(f.rank)) throw bad(source, `${at}.file: '${f.file.slice(0, 64)}' is not ${rankFileName(f.rank)}`);
    if (ranks.has(f.rank)) throw bad(source, `${at}.rank: rank ${f.rank} has two files`);
    ranks.add(f.rank);
    f.blocks.forEach((b, j) => {
      if (b >= numBlocks) throw bad(source, `${at}.blocks: block ${b} is outside the plan's ${numBlocks} blocks`);
      if (j > 0 && b !== f.blocks[j - 1] + 1) throw bad(source, `${at}.blocks: [${f.blocks.slice(0, 8).join(', ')}${f.blocks.length > 8 ? ', …' : ''}] is not a contiguous ascending range`);
      held.add(b);
    });
  });
  for (let b = 0; b < numBlocks; b++) if (!held.has(b)) throw bad(source, `files: no file holds block ${b}`);
}

/** Validates a parsed JSON value as a manifest; E_CHECKPOINT names `source` and the field. */
export function validateManifest(value: unknown, source: string): Manifest {
  const r = ManifestSchema.safeParse(value);
  if (!r.success) {
    const i = r.error.issues[0];
    throw bad(source, `${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  const m = r.data;
  let plan: Plan;
  try {
    plan = validatePlan(m.plan, 'plan');
  } catch (e) {
    throw bad(source, (e as Error).message);
  }
  if (m.seed !== plan.training.seed) throw bad(source, `seed: ${m.seed} differs from the plan's training.seed ${plan.training.seed}`);
  checkFiles(m.files, plan.num_blocks, source);
  return {
    cutMicrobatch: m.cut_microbatch,
    weightVersion: m.weight_version,
    planVersion: m.plan_version,
    seed: m.seed,
    plan,
    files: m.files,
    ...(m.extra !== undefined ? { extra: m.extra } : {}),
  };
}

/** Parses manifest text; E_CHECKPOINT names `source` (the file) and what is wrong. */
export function parseManifest(text: string, source: string): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw bad(source, `not valid JSON (${oneLine((e as Error).message)})`);
  }
  return validateManifest(value, source);
}

/** Stable JSON; parseManifest(printManifest(m)) deep-equals m. Throws E_CHECKPOINT if `m` is invalid. */
export function printManifest(m: Manifest): string {
  const value = {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    cut_microbatch: m.cutMicrobatch,
    weight_version: m.weightVersion,
    plan_version: m.planVersion,
    seed: m.seed,
    plan: m.plan,
    files: [...m.files].sort((a, b) => a.rank - b.rank).map((f) => ({ file: f.file, rank: f.rank, blocks: f.blocks, bytes: f.bytes, sha256: f.sha256 })),
    ...(m.extra !== undefined ? { extra: m.extra } : {}),
  };
  validateManifest(value, 'manifest to write');
  return JSON.stringify(value, null, 2) + '\n';
}
