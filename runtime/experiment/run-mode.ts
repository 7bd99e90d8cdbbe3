/**
 * One run of one mode: the plan, every rank on this machine (pinned when a core map is given), the
 * mode's coordinator settings, real interference on its schedule, and afterwards the interference
 * rows appended to the rank logs. Everything the run leaves goes to `dir`:
 *
 *   dir/plan.json           the start plan
 *   dir/rank-<r>.csv        rank logs (+ interference rows)
 *   dir/decisions.csv       the controller's decision per window (modes that decide)
 *   dir/checkpoints/        dynpipe-re's restart checkpoints
 *   dir/snapshots/          weight snapshots (with `snapshotEvery`)
 *
 * The experiment CLI and `dynpipe demo` both run through here, so they launch alike. An emulated
 * burst travels to the workers as DYNPIPE_BENCH_SLOW (worker/bench-slowdown.ts).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { RunSummary } from '../coordinator/coordinator.js';
import { openDecisionLog } from '../cli/decision-log.js';
import { policyRunner, type PolicyFlags } from '../cli/repartition-setup.js';
import { appendInterferenceRows } from '../launch/interference-log.js';
import type { AppliedInterference } from '../launch/interference-rows.js';
import { launchRecovering } from '../launch/recovering-launch.js';
import type { CpuMap } from '../launch/cpu-map.js';
import { readRankLogs } from '../log/rank-log-files.js';
import type { RankLogRow } from '../log/rank-log.js';
import { printPlan, worldSize, type Plan } from '../plan/plan.js';
import type { Mode } from '../worker/worker.js';
import { BENCH_SLOW_ENV } from '../worker/bench-slowdown.js';
import { appendRankLogRows } from '../log/append-rows.js';
import { emulatedRows } from './emulated-rows.js';
import { InterferenceDriver, type EmulatedBurst, type InterferenceSchedule } from './interference-driver.js';

/** What every mode of an experiment trains: the same plan, data, seed and length. */
export interface Workload {
  /** The start plan (its training.seed seeds weights and data order). */
  plan: Plan;
  dataset: string;
  /** Directory of the dataset's files (default: the Debian package's, or DYNPIPE_DATA_DIR). */
  dataDir?: string;
  /** Use only the first n training samples. */
  trainSamples: number;
  backend: string;
  microbatches: number;
  /** Cores per rank (taskset); undefined: unpinned. */
  pinning?: CpuMap;
}

export interface ModeRun {
  dir: string;
  mode: Mode;
  workload: Workload;
  interference: InterferenceSchedule;
  /** The coordinator's decision flags (their `mode` is replaced by `mode`). */
  policy: PolicyFlags;
  /** Write weight snapshots every this many microbatches (for accuracy over time). */
  snapshotEvery?: number;
  /** Called on every completed microbatch of the last stage. */
  onProgress?(p: RunProgress): void;
  /** Worker and launcher lines. */
  say(line: string): void;
}

export interface RunProgress {
  completed: number;
  planVersion: number;
  loss: number;
  interference: boolean;
}

export interface ModeResult {
  dir: string;
  /** The rank logs after the interference rows were appended. */
  rows: RankLogRow[];
  run: RunSummary;
  applied: AppliedInterference[];
}

export const SNAPSHOT_SUBDIR = 'snapshots';
export const CHECKPOINT_SUBDIR = 'checkpoints';
export const DECISIONS_FILE = 'decisions.csv';

/** Deadlines generous enough for a loaded 2-core machine (four ranks start tfjs at once). */
const TIMEOUTS = { rendezvousMs: 180_000, heartbeatMs: 30_000, recvMs: 120_000, migrationMs: 120_000 };

/** DYNPIPE_BENCH_SLOW for emulated bursts: '<rank>:<factor>:<from>mb-<to>mb' per rank and burst. */
export function slowSpans(bursts: readonly EmulatedBurst[]): string {
  return bursts.flatMap((b) => b.ranks.map((r) => `${r}:${b.factor}:${b.fromMicrobatch}mb-${b.toMicrobatch}mb`)).join(',');
}

export async function runMode(o: ModeRun): Promise<ModeResult> {
  const w = o.workload;
  await mkdir(o.dir, { recursive: true });
  const planPath = join(o.dir, 'plan.json');
  await writeFile(planPath, printPlan(w.plan));
  const workerArgs = [
    '--dataset', w.dataset, '--backend', w.backend, '--train-samples', String(w.trainSamples), '--log-dir', o.dir,
    '--recv-timeout-ms', String(TIMEOUTS.recvMs), '--rendezvous-timeout-ms', String(TIMEOUTS.rendezvousMs),
  ];
  if (w.dataDir) workerArgs.push('--data-dir', resolve(w.dataDir));
  if (o.snapshotEvery) workerArgs.push('--snapshot-every', String(o.snapshotEvery), '--snapshot-dir', join(o.dir, SNAPSHOT_SUBDIR));
  const decisions = o.mode === 'pipedream' ? undefined : openDecisionLog(join(o.dir, DECISIONS_FILE));
  const policy = policyRunner(o.mode, { ...o.policy, mode: o.mode }, w.plan, 0, w.microbatches, (d) => decisions?.(d));
  let jobStartMs = 0;
  const interference = new InterferenceDriver(o.interference, () => jobStartMs);
  let completed = 0;
  let planVersion = 0;
  let applied: AppliedInterference[] = [];
  // dynpipe-re restarts from checkpoints: the recovering launcher owns the checkpoint store
  const recovery = { checkpointDir: o.mode === 'dynpipe-re' ? join(o.dir, CHECKPOINT_SUBDIR) : undefined, checkpointKeep: 2, planGiven: true, restarts: 0 };
  const run = await launchRecovering({
    planPath,
    plan: w.plan,
    numMinibatches: w.microbatches,
    workerArgs,
    rendezvousTimeoutMs: TIMEOUTS.rendezvousMs,
    heartbeatTimeoutMs: TIMEOUTS.heartbeatMs,
    killGraceMs: 2000,
    cpuSets: w.pinning?.cpuSets,
    workerEnv: o.interference.kind === 'emulated' ? { [BENCH_SLOW_ENV]: slowSpans(o.interference.bursts) } : undefined,
    mode: o.mode,
    changes: {
      policy,
      scripted: [],
      timeoutMs: TIMEOUTS.migrationMs,
      onChange: (c) => (planVersion = c.planVersion),
    },
    onJobStart: (ms) => (jobStartMs = ms),
    onStats: (_rank, s) => {
      if (typeof s.loss !== 'number' || s.mb + 1 <= completed) return;
      completed = s.mb + 1;
      interference.onProgress(completed);
      o.onProgress?.({ completed, planVersion, loss: s.loss, interference: interference.active });
    },
    say: o.say,
  }, recovery).finally(async () => {
    applied = await interference.stop();
  });
  if (applied.length > 0) await appendInterferenceRows(o.dir, applied, worldSize(w.plan), w.pinning?.cores);
  if (o.interference.kind === 'emulated') {
    const logged = await readRankLogs(o.dir);
    await appendRankLogRows(o.dir, o.interference.bursts.flatMap((b) => emulatedRows(b, logged)));
  }
  return { dir: o.dir, rows: await readRankLogs(o.dir), run, applied };
}
