/**
 * Accuracy over time from weight snapshots (worker/weight-snapshots.ts): after a run, each
 * snapshot directory `mb-<m>/` is read, its ranks' blocks merged into the whole model, evaluated on
 * the test set, and turned into one `eval` row of the run's logs. Evaluation happens off the run's
 * clock, so it never slows training; the row's time is when the model as of m existed (the latest
 * rank's copy).
 *
 * `snapshotEvalRow` is pure; `evaluateSnapshots` reads files and computes.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DynpipeError } from '../errors.js';
import type { Dataset } from '../data/dataset.js';
import type { ModelSpec } from '../models/block.js';
import { parseParamKey } from '../models/params.js';
import { decodeTensors, type HostTensor } from '../checkpoint/tensor-file.js';
import { hostToParams } from '../checkpoint/host-params.js';
import { disposeParams } from '../models/params.js';
import { evaluateModel } from '../train/evaluate.js';
import type { EvalRow } from '../log/rank-log.js';
import { SNAPSHOT_DIR_PATTERN, type SnapshotMeta } from '../worker/weight-snapshots.js';

export interface Snapshot {
  microbatches: number;
  /** One meta per rank file. */
  metas: SnapshotMeta[];
  /** The whole model's parameters, keyed by paramKey. */
  params: Map<string, HostTensor>;
}

/**
 * The eval row of a snapshot: at the latest copy's time, on the rank of the highest stage (the rank
 * that computes the loss), with that rank's plan version; `iteration` = microbatches trained.
 */
export function snapshotEvalRow(metas: readonly SnapshotMeta[], result: { accuracy: number; loss: number; samples: number }): EvalRow {
  if (metas.length === 0) throw new DynpipeError('E_DATA', 'snapshot eval row: no rank files');
  const last = metas.reduce((a, m) => (m.stage > a.stage || (m.stage === a.stage && m.rank < a.rank) ? m : a));
  return {
    row: 'eval',
    time_ms: Math.max(...metas.map((m) => m.time_ms)),
    rank: last.rank,
    stage: last.stage,
    plan_version: last.plan_version,
    iteration: metas[0].microbatches,
    accuracy: result.accuracy,
    loss: result.loss,
    detail: `weights after ${metas[0].microbatches} microbatches on ${result.samples} test samples`,
  };
}

function metaOf(meta: Record<string, unknown>, file: string): SnapshotMeta {
  const n = (k: keyof SnapshotMeta): number => {
    const v = meta[k];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new DynpipeError('E_CHECKPOINT', `${file}: meta field ${k} is not a number`);
    return v;
  };
  return { microbatches: n('microbatches'), rank: n('rank'), stage: n('stage'), plan_version: n('plan_version'), time_ms: n('time_ms') };
}

/** Reads `dir/mb-<m>/`; E_CHECKPOINT when a block of `model` with parameters is missing from every rank file. */
export async function readSnapshot(dir: string, model: ModelSpec): Promise<Snapshot> {
  const files = (await readdir(dir)).filter((f) => /^rank-\d+\.weights$/.test(f)).sort();
  const metas: SnapshotMeta[] = [];
  const params = new Map<string, HostTensor>();
  for (const f of files) {
    const path = join(dir, f);
    const { tensors, meta } = decodeTensors(await readFile(path), path);
    metas.push(metaOf(meta, path));
    for (const [k, t] of tensors) if (!params.has(k)) params.set(k, t);
  }
  const covered = new Set([...params.keys()].map((k) => parseParamKey(k).blockIndex));
  const missing = model.blocks.findIndex((b, i) => b.params.length > 0 && !covered.has(i));
  if (missing >= 0) throw new DynpipeError('E_CHECKPOINT', `${dir}: no rank saved block ${missing} (${model.blocks[missing].name}); the run may have stopped early`);
  if (new Set(metas.map((m) => m.microbatches)).size !== 1) throw new DynpipeError('E_CHECKPOINT', `${dir}: rank files disagree on the microbatch count`);
  return { microbatches: metas[0].microbatches, metas, params };
}

/** Every snapshot under `root`, in microbatch order, evaluated on `test`; calls `onDone` after each. */
export async function evaluateSnapshots(root: string, model: ModelSpec, test: Dataset, onDone?: (done: number, total: number) => void): Promise<EvalRow[]> {
  let names: string[];
  try {
    names = (await readdir(root)).filter((d) => SNAPSHOT_DIR_PATTERN.test(d));
  } catch (e) {
    throw new DynpipeError('E_IO', `cannot read snapshots in ${root}: ${(e as Error).message}`, { cause: e });
  }
  names.sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)));
  const rows: EvalRow[] = [];
  for (const name of names) {
    const snap = await readSnapshot(join(root, name), model);
    const params = hostToParams(snap.params);
    try {
      rows.push(snapshotEvalRow(snap.metas, await evaluateModel(model, params, test)));
    } finally {
      disposeParams(params);
    }
    onDone?.(rows.length, names.length);
  }
  return rows;
}
