/**
 * `dynpipe launch` with checkpoints and recovery around `launchLocal`: every attempt runs the
 * coordinator (committing the sets the ranks write) and the ranks, resumed from a checkpoint when
 * there is one. When an attempt fails because a rank died or went silent, and restarts are left
 * (`--restart-on-failure N`), the job is relaunched from the newest complete set; otherwise the
 * error names the failure and the newest complete checkpoint to resume from.
 *
 *   attempt 0: [resume point given by --resume, or none] ──rank dies──▶ attempt 1: newest complete set ──▶ …
 *
 * A restart starts fresh processes (new job id, new coordinator): nothing of the failed attempt
 * survives but the files of complete checkpoint sets.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynpipeError, isDynpipeError } from '../errors.js';
import { type Plan, printPlan } from '../plan/plan.js';
import { CheckpointStore, type CompleteSet } from '../checkpoint/checkpoint-store.js';
import { checkResumable, resumedPlanVersion } from '../checkpoint/resume-plan.js';
import { CheckpointCollector } from '../coordinator/checkpoint-collector.js';
import type { RunSummary } from '../coordinator/coordinator.js';
import { withCheckpointNote } from './checkpoint-note.js';
import { type LaunchOptions, launchLocal } from './local-launcher.js';

export interface RecoveryOptions {
  /** The checkpoint store the ranks write to (absent: no checkpoints): sets at plan changes' cuts, and periodic ones. */
  checkpointDir?: string;
  /** With checkpointDir: drain and checkpoint after every this many microbatches (absent: only at cuts). */
  checkpointEvery?: number;
  /** Complete sets kept in the store. */
  checkpointKeep: number;
  /** Where the first attempt starts (from --resume); undefined: from scratch. */
  start?: CompleteSet;
  /** The plan was given (--plan): every attempt runs it. Otherwise a resumed attempt runs its set's plan. */
  planGiven: boolean;
  /** Relaunches allowed after a rank fails (--restart-on-failure). */
  restarts: number;
  /** The plan-change settings of an attempt that starts under `plan` at `planVersion` (absent: pipedream). */
  changesFor?(plan: Plan, planVersion: number): Promise<LaunchOptions['changes']>;
}

/** Failures a relaunch can cure: a rank died, went silent or missed a deadline. */
function restartable(e: unknown): boolean {
  return isDynpipeError(e, 'E_PEER_FAILED') || isDynpipeError(e, 'E_PEER_TIMEOUT');
}

export async function launchRecovering(base: LaunchOptions, r: RecoveryOptions): Promise<RunSummary> {
  if (r.restarts > 0 && !r.checkpointDir) throw new DynpipeError('E_USAGE', '--restart-on-failure needs --checkpoint-dir (the checkpoints to restart from)');
  const store = r.checkpointDir ? new CheckpointStore(r.checkpointDir) : undefined;
  const scratch = await mkdtemp(join(tmpdir(), 'dynpipe-launch-'));
  try {
    let from = r.start;
    for (let attempt = 0; ; attempt++) {
      const plan: Plan = from && !r.planGiven ? from.manifest.plan : base.plan;
      try {
        return await launchAttempt(base, r, store, plan, from, join(scratch, `plan-${attempt}.json`));
      } catch (e) {
        if (!restartable(e) || attempt >= r.restarts) {
          if (!restartable(e)) throw e;
          throw new DynpipeError((e as DynpipeError).code, await withCheckpointNote((e as Error).message, r.checkpointDir), { cause: e });
        }
        const latest = (await store!.latestComplete()).set;
        from = latest ?? from;
        base.say(`dynpipe launch: ${(e as Error).message}; restarting ${from ? `from ${from.dir} (microbatch ${from.manifest.cutMicrobatch})` : 'from the beginning'} (restart ${attempt + 1} of ${r.restarts})`);
      }
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function launchAttempt(base: LaunchOptions, r: RecoveryOptions, store: CheckpointStore | undefined, plan: Plan, from: CompleteSet | undefined, planFile: string): Promise<RunSummary> {
  if (from) checkResumable(from.manifest, plan, `checkpoint ${from.dir}`);
  const planVersion = from ? resumedPlanVersion(from.manifest, plan) : 0;
  const workerArgs = [...base.workerArgs];
  if (store) workerArgs.push('--checkpoint-dir', store.root);
  if (store && r.checkpointEvery) workerArgs.push('--checkpoint-every', String(r.checkpointEvery));
  let planPath = base.planPath;
  if (!r.planGiven) { // the checkpoint's plan (or the default one): the ranks read it from a copy
    await writeFile(planFile, printPlan(plan));
    planPath = planFile;
  }
  const checkpoints = store ? new CheckpointCollector({ store, plan, planVersion, keep: r.checkpointKeep, say: base.say }) : undefined;
  const changes = r.changesFor ? await r.changesFor(plan, planVersion) : base.changes;
  const resume = from ? { dir: from.dir, cutMicrobatch: from.manifest.cutMicrobatch, planVersion } : undefined;
  return launchLocal({ ...base, plan, planPath, workerArgs, resume, checkpoints, changes });
}
