/**
 * The checkpoint store: a directory of checkpoint sets, one per (plan version, cut microbatch).
 *
 *   <root>/v<planVersion>-mb<cut>/
 *       rank-0.tensors … rank-<N-1>.tensors    each rank's stage state (stage-file.ts), written by that rank
 *       manifest.json                          written last, by the coordinator (manifest.ts)
 *
 * Every file is replaced atomically (atomic-file.ts: temp + fsync + rename + directory fsync).
 *
 * Invariants:
 *  - A set is complete iff its manifest exists, parses, and every file it names has the recorded
 *    size and SHA-256. A crash while a checkpoint is being written therefore leaves a set without
 *    a manifest (or with files that do not match it): it never looks complete.
 *  - `latestComplete` returns the newest complete set (highest cut, then highest plan version),
 *    skipping any newer set that is incomplete or corrupt and saying why, so a damaged checkpoint
 *    costs only the progress since the previous one.
 *  - `readBlocks` re-slices (reslice.ts) and re-checks every file it reads against the manifest and
 *    against the file's own meta, so a file swapped in from another set or rank is refused.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DynpipeError } from '../errors.js';
import { writeFileAtomic } from './atomic-file.js';
import { type Manifest, type RankFileRecord, parseManifest, printManifest, rankFileName } from './manifest.js';
import { blockSources } from './reslice.js';
import { entryBlock } from './state-entries.js';
import { type StageFileMeta, decodeStageFile, encodeStageFile } from './stage-file.js';
import type { HostTensor } from './tensor-file.js';

export const MANIFEST_FILE = 'manifest.json';

export interface SetId {
  planVersion: number;
  cut: number;
}

/** The directory name of a set: `v<planVersion>-mb<cut>`. */
export function setName(id: SetId): string {
  return `v${id.planVersion}-mb${id.cut}`;
}

/** The id a set directory name stands for; undefined for any other name. */
export function parseSetName(name: string): SetId | undefined {
  const m = /^v(0|[1-9]\d{0,14})-mb(0|[1-9]\d{0,14})$/.exec(name);
  return m ? { planVersion: Number(m[1]), cut: Number(m[2]) } : undefined;
}

export interface SetListing {
  dir: string;
  id: SetId;
  /** A manifest file is present (not yet checked: see `verify`). */
  hasManifest: boolean;
}

export interface CompleteSet {
  dir: string;
  manifest: Manifest;
}

export interface SkippedSet {
  dir: string;
  reason: string;
}

function sha256(buf: Uint8Array): string {
  return createHash('sha256').update(buf).digest('hex');
}

function ioError(e: unknown, what: string): DynpipeError {
  return new DynpipeError('E_IO', `${what}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw ioError(e, `cannot stat ${path}`);
  }
}

/** Reads a file a manifest names; E_CHECKPOINT if it is missing or differs from its record. */
async function readRecorded(dir: string, f: RankFileRecord): Promise<Buffer> {
  const path = join(dir, f.file);
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DynpipeError('E_CHECKPOINT', code === 'ENOENT' ? `${path}: missing (the manifest names it)` : `cannot read ${path}: ${code ?? (e as Error).message}`);
  }
  if (buf.byteLength !== f.bytes) throw new DynpipeError('E_CHECKPOINT', `${path}: ${buf.byteLength} bytes, the manifest records ${f.bytes} (file truncated or replaced)`);
  if (sha256(buf) !== f.sha256) throw new DynpipeError('E_CHECKPOINT', `${path}: checksum differs from the manifest's (file is corrupt)`);
  return buf;
}

export class CheckpointStore {
  constructor(readonly root: string) {}

  dirOf(id: SetId): string {
    return join(this.root, setName(id));
  }

  /**
   * Writes one rank's file into set (meta.planVersion, meta.cutMicrobatch), creating the set's
   * directory; returns the record the manifest will carry for it.
   */
  async writeRankFile(entries: ReadonlyMap<string, HostTensor>, meta: StageFileMeta): Promise<RankFileRecord> {
    const dir = this.dirOf({ planVersion: meta.planVersion, cut: meta.cutMicrobatch });
    try {
      await mkdir(dir, { recursive: true });
    } catch (e) {
      throw ioError(e, `cannot create checkpoint directory ${dir}`);
    }
    const bytes = encodeStageFile(entries, meta);
    const file = rankFileName(meta.rank);
    await writeFileAtomic(join(dir, file), bytes);
    return { file, rank: meta.rank, blocks: [...meta.blocks], bytes: bytes.byteLength, sha256: sha256(bytes) };
  }

  /** Writes the set's manifest (last, atomically): from then on the set is complete. Returns its directory. */
  async commit(manifest: Manifest): Promise<string> {
    const dir = this.dirOf({ planVersion: manifest.planVersion, cut: manifest.cutMicrobatch });
    const text = printManifest(manifest);
    try {
      await mkdir(dir, { recursive: true });
    } catch (e) {
      throw ioError(e, `cannot create checkpoint directory ${dir}`);
    }
    await writeFileAtomic(join(dir, MANIFEST_FILE), text);
    return dir;
  }

  /** Every set directory under the root, newest first; [] if the root does not exist yet. */
  async sets(): Promise<SetListing[]> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw ioError(e, `cannot list checkpoint directory ${this.root}`);
    }
    const out: SetListing[] = [];
    for (const name of names) {
      const id = parseSetName(name);
      if (!id) continue;
      const dir = join(this.root, name);
      out.push({ dir, id, hasManifest: await exists(join(dir, MANIFEST_FILE)) });
    }
    return out.sort((a, b) => b.id.cut - a.id.cut || b.id.planVersion - a.id.planVersion);
  }

  /** The newest complete set, and why each newer set was passed over. */
  async latestComplete(): Promise<{ set?: CompleteSet; skipped: SkippedSet[] }> {
    const skipped: SkippedSet[] = [];
    for (const s of await this.sets()) {
      if (!s.hasManifest) {
        skipped.push({ dir: s.dir, reason: `incomplete: no ${MANIFEST_FILE} (interrupted while being written)` });
        continue;
      }
      try {
        return { set: await verifySet(s.dir), skipped };
      } catch (e) {
        if (!(e instanceof DynpipeError) || e.code !== 'E_CHECKPOINT') throw e;
        skipped.push({ dir: s.dir, reason: e.message });
      }
    }
    return { skipped };
  }

  /**
   * Deletes all but the newest `keep` complete sets (by manifest presence), and incomplete sets
   * older than the newest complete one (abandoned writes; newer ones may still be in progress).
   * A manifest is removed before the rest of its set, so a half-deleted set never looks complete.
   * Returns the directories removed.
   */
  async prune(keep: number): Promise<string[]> {
    if (!Number.isSafeInteger(keep) || keep < 1) throw new DynpipeError('E_USAGE', `checkpoints to keep must be an integer >= 1, got ${keep}`);
    const all = await this.sets();
    const newestComplete = all.findIndex((s) => s.hasManifest);
    if (newestComplete < 0) return [];
    let kept = 0;
    const doomed: SetListing[] = [];
    all.forEach((s, i) => {
      if (s.hasManifest) {
        if (++kept > keep) doomed.push(s);
      } else if (i > newestComplete) doomed.push(s);
    });
    for (const s of doomed) {
      try {
        await rm(join(s.dir, MANIFEST_FILE), { force: true });
        await rm(s.dir, { recursive: true, force: true });
      } catch (e) {
        throw ioError(e, `cannot remove old checkpoint ${s.dir}`);
      }
    }
    return doomed.map((s) => s.dir);
  }
}

/** Reads `dir`'s manifest and checks every file it names (size and SHA-256); E_CHECKPOINT otherwise. */
export async function verifySet(dir: string): Promise<CompleteSet> {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DynpipeError('E_CHECKPOINT', code === 'ENOENT' ? `checkpoint ${dir} is incomplete: no ${MANIFEST_FILE}` : `cannot read ${path}: ${code ?? (e as Error).message}`);
  }
  const manifest = parseManifest(text, path);
  for (const f of manifest.files) await readRecorded(dir, f);
  return { dir, manifest };
}

/**
 * A complete set from a path that is either a set directory (it must be complete) or a store root
 * (its newest complete set, with the sets skipped on the way). E_CHECKPOINT if there is none.
 */
export async function openCheckpoint(path: string): Promise<{ set: CompleteSet; skipped: SkippedSet[] }> {
  if (await exists(join(path, MANIFEST_FILE))) return { set: await verifySet(path), skipped: [] };
  const { set, skipped } = await new CheckpointStore(path).latestComplete();
  if (!set) {
    const why = skipped.length > 0 ? `; skipped ${skipped.map((s) => `${s.dir} (${s.reason})`).join('; ')}` : '';
    throw new DynpipeError('E_CHECKPOINT', `no complete checkpoint in ${path}${why}`);
  }
  return { set, skipped };
}

/**
 * The state entries of `blocks` from a complete set, each block read from the file reslice.ts
 * picks for `preferRank`. Every file read is checked against the manifest (size, SHA-256) and its
 * own meta (rank, blocks, cut, weight and plan version). Entries of other blocks are left out.
 */
export async function readBlocks(set: CompleteSet, blocks: readonly number[], preferRank: number): Promise<Map<string, HostTensor>> {
  const m = set.manifest;
  const out = new Map<string, HostTensor>();
  for (const src of blockSources(m.files, blocks, preferRank, `checkpoint ${set.dir}`)) {
    const record = m.files.find((f) => f.rank === src.rank)!;
    const path = join(set.dir, record.file);
    const { entries, meta } = decodeStageFile(await readRecorded(set.dir, record), path);
    const mismatch =
      meta.rank !== record.rank ? `rank ${meta.rank}, the manifest says ${record.rank}`
      : meta.blocks.join(',') !== record.blocks.join(',') ? `blocks [${meta.blocks.join(', ')}], the manifest says [${record.blocks.join(', ')}]`
      : meta.cutMicrobatch !== m.cutMicrobatch ? `cut microbatch ${meta.cutMicrobatch}, the manifest says ${m.cutMicrobatch}`
      : meta.weightVersion !== m.weightVersion ? `weight version ${meta.weightVersion}, the manifest says ${m.weightVersion}`
      : meta.planVersion !== m.planVersion ? `plan version ${meta.planVersion}, the manifest says ${m.planVersion}`
      : undefined;
    if (mismatch) throw new DynpipeError('E_CHECKPOINT', `${path}: file is for ${mismatch}`);
    const wanted = new Set(src.blocks);
    for (const [name, t] of entries) {
      if (wanted.has(entryBlock(name)!)) out.set(name, t); // decodeStageFile checked every name has a block
    }
  }
  return out;
}
