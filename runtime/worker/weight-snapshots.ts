/**
 * `dynpipe worker --snapshot-every <k> --snapshot-dir <dir>`: every k microbatches each rank writes
 * the weights of its blocks to `<dir>/mb-<m>/rank-<r>.weights` (m = microbatches trained so far),
 * so that an experiment can measure test accuracy over time after the run, off the clock.
 *
 * Invariant: the file for m holds this rank's live weights right after the optimizer step of
 * microbatch m - 1 (the executor reports a microbatch only after its step, and before any later
 * step), so the files of every rank for one m together form the model PipeDream's 1F1B has after
 * m microbatches. `time_ms` in the meta is the job-clock time the copy was taken; the model as of
 * m exists once the last rank has taken its copy.
 *
 * The copy is taken synchronously (tf.clone shares the buffers, so a later step cannot change or
 * free them); reading back and writing happen in the background, in order; `flush` waits for them.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DynpipeError } from '../errors.js';
import type { StageParams } from '../models/params.js';
import { paramsToHost } from '../checkpoint/host-params.js';
import { encodeTensors } from '../checkpoint/tensor-file.js';

/** `mb-<m>`: the directory of the snapshot after m microbatches. */
export function snapshotDirName(microbatches: number): string {
  return `mb-${microbatches}`;
}

export const SNAPSHOT_DIR_PATTERN = /^mb-(0|[1-9]\d*)$/;

/** What each snapshot file's meta holds (read back by experiment/snapshots.ts). */
export interface SnapshotMeta {
  microbatches: number;
  rank: number;
  stage: number;
  plan_version: number;
  time_ms: number;
}

export class WeightSnapshots {
  private writing: Promise<void> = Promise.resolve();
  private failure: Error | undefined;

  constructor(
    private readonly dir: string,
    private readonly every: number,
    private readonly rank: number,
  ) {
    if (!(Number.isInteger(every) && every >= 1)) throw new DynpipeError('E_USAGE', `--snapshot-every must be an integer >= 1, got ${every}`);
  }

  /** After microbatch `mb`'s step: when mb + 1 is a multiple of `every`, copies `params` now and writes them in the background. */
  after(mb: number, params: StageParams, at: { stage: number; planVersion: number; timeMs: number }): void {
    const m = mb + 1;
    if (m % this.every !== 0) return;
    const copy: StageParams = new Map([...params].map(([k, t]) => [k, tf.clone(t)]));
    const meta: SnapshotMeta = { microbatches: m, rank: this.rank, stage: at.stage, plan_version: at.planVersion, time_ms: at.timeMs };
    const dir = join(this.dir, snapshotDirName(m));
    this.writing = this.writing.then(async () => {
      try {
        const host = await paramsToHost(copy);
        await mkdir(dir, { recursive: true });
        await writeFile(join(dir, `rank-${this.rank}.weights`), encodeTensors(host, { ...meta }));
      } catch (e) {
        this.failure ??= new DynpipeError('E_IO', `rank ${this.rank}: cannot write the weight snapshot in ${dir}: ${(e as Error).message}`, { cause: e });
      } finally {
        for (const t of copy.values()) t.dispose();
      }
    });
  }

  /** Waits for every snapshot taken so far; throws the first write failure. */
  async flush(): Promise<void> {
    await this.writing;
    if (this.failure) throw this.failure;
  }
}
