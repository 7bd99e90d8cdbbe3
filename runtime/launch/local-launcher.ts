/**
 * `dynpipe launch`: the coordinator in this process plus one worker process per rank on this
 * machine (what torchrun does for one node). Worker output is streamed line by line with its rank;
 * if any worker exits early or fails, the coordinator shuts the others down, stragglers are
 * killed after a grace period, and the launch fails naming the first failure.
 *
 * dynpipe-re: when the coordinator asks for a restart, every rank has written its checkpoint and
 * exits with code 0; the launcher waits for all of them, then starts a new generation of ranks
 * with the new plan and `--resume <checkpoint> --start-microbatch <cut> --restarted`.
 *
 * Recovery from a failed rank (relaunching from the newest checkpoint) is recovering-launch.ts's,
 * around this function.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { printPlan, type Plan } from '../plan/plan.js';
import { worldSize } from '../plan/plan.js';
import { Coordinator, type PlanChanges, type RankStats, type RestartRequest, type RunSummary } from '../coordinator/coordinator.js';
import { DynpipeError } from '../errors.js';
import { epochNowMs, jobClock } from '../worker/job-clock.js';
import type { Mode } from '../worker/worker.js';
import type { CurveKeys } from '../transport/curve-keys.js';
import type { CheckpointCollector } from '../coordinator/checkpoint-collector.js';

export interface LaunchOptions {
  planPath: string;
  plan: Plan;
  numMinibatches: number;
  /** Flags passed through to every worker (dataset, backend, log dir, ...). */
  workerArgs: string[];
  /** Flags for one rank only, after workerArgs (e.g. its --net-delay spans). */
  rankArgs?(rank: number): string[];
  rendezvousTimeoutMs: number;
  heartbeatTimeoutMs: number;
  /** Grace period between SIGTERM and SIGKILL for workers still running after a failure. */
  killGraceMs: number;
  /** CPU list per rank for `taskset -c` (e.g. ['0', '1-2']); pins each worker to its cores. */
  cpuSets?: readonly string[];
  /** How the plan may change (default pipedream: never). */
  mode?: Mode;
  /** The coordinator's port on 127.0.0.1 (0 = any free port). */
  masterPort?: number;
  /** Start from this complete checkpoint set: its cut microbatch, and the plan version the job resumes at. */
  resume?: { dir: string; cutMicrobatch: number; planVersion: number };
  /** Plan changes (every mode but pipedream): how decided, deadlines. */
  changes?: Omit<PlanChanges, 'kind' | 'restart'>;
  /** The job's CURVE key pair for the coordinator (workers get `--curve-keys` through workerArgs). */
  curve?: CurveKeys;
  /**
   * Commits the checkpoint sets the workers write (they get `--checkpoint-dir` through workerArgs);
   * required by dynpipe-re.
   */
  checkpoints?: CheckpointCollector;
  /** Extra environment of the workers (test and bench hooks). */
  workerEnv?: NodeJS.ProcessEnv;
  onStats?(rank: number, stats: RankStats): void;
  /** The job clock starts at epoch ms `jobStartMs` (before any rank is spawned); every log time counts from it. */
  onJobStart?(jobStartMs: number): void;
  /** The coordinator is listening at `endpoint` (for `dynpipe repartition`). */
  onListening?(endpoint: string): void;
  say(line: string): void;
}

/** Lines native libraries print on every start that say nothing to a user (Dawn's limit notes). */
const NOISE = /^Warning: maxDynamic\w+ artificially reduced/;

const CLI = fileURLToPath(new URL('../cli/dynpipe.js', import.meta.url));

export async function launchLocal(o: LaunchOptions): Promise<RunSummary> {
  const n = worldSize(o.plan);
  const mode = o.mode ?? 'pipedream';
  const jobStartMs = Math.round(epochNowMs());
  o.onJobStart?.(jobStartMs);
  let children: ChildProcess[] = [];
  let finished = false;
  const jobId = `j${process.pid}-${randomBytes(3).toString('hex')}`;
  let coordinator: Coordinator | undefined;

  const spawnAll = (planPath: string, extra: string[], port: string): void => {
    children = [];
    for (let rank = 0; rank < n; rank++) {
      const args = [
        CLI, 'worker', '--rank', String(rank), '--local-rank', String(rank), '--world-size', String(n),
        '--master-addr', '127.0.0.1', '--master-port', port, '--config-path', planPath, '--mode', mode, '--job-start-ms', String(jobStartMs),
        '--num-minibatches', String(o.numMinibatches), '--transport', 'ipc', '--job-id', jobId, '--coordinator', 'external',
        '--heartbeat-timeout-ms', String(o.heartbeatTimeoutMs), ...o.workerArgs, ...(o.rankArgs?.(rank) ?? []), ...extra,
      ];
      if (o.changes) args.push('--migration-timeout-ms', String(o.changes.timeoutMs));
      const cpus = o.cpuSets?.[rank];
      const options = { stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...o.workerEnv } };
      const child = cpus === undefined ? spawn(process.execPath, args, options) : spawn('taskset', ['-c', cpus, process.execPath, ...args], options);
      children.push(child);
      for (const stream of [child.stdout!, child.stderr!]) {
        createInterface({ input: stream }).on('line', (line) => {
          if (!NOISE.test(line)) o.say(`[rank ${rank}] ${line}`);
        });
      }
      child.on('exit', (code, signal) => {
        if (finished || code === 0) return;
        coordinator?.fail(`rank ${rank} exited ${signal ? `on ${signal}` : `with code ${code}`}`);
      });
      child.on('error', (e) => coordinator?.fail(`rank ${rank} could not start: ${e.message}`));
    }
  };

  const restart = async (r: RestartRequest, port: string): Promise<void> => {
    const exitedAll = await Promise.all(children.map((c) => waitExit(c, o.changes?.timeoutMs ?? 60_000)));
    const stuck = exitedAll.findIndex((ok) => !ok);
    if (stuck >= 0) throw new DynpipeError('E_MIGRATION', `restart to plan version ${r.planVersion}: rank ${stuck} did not exit after its checkpoint`);
    const bad = children.findIndex((c) => c.exitCode !== 0);
    if (bad >= 0) throw new DynpipeError('E_PEER_FAILED', `restart to plan version ${r.planVersion}: rank ${bad} exited with code ${children[bad].exitCode}`);
    const planPath = join(r.checkpoint, 'plan.json');
    await writeFile(planPath, printPlan(r.plan));
    spawnAll(planPath, ['--resume', r.checkpoint, '--start-microbatch', String(r.cutAt), '--restarted'], port);
  };

  let port = '';
  coordinator = await Coordinator.open({
    bindAddress: `tcp://127.0.0.1:${o.masterPort ? o.masterPort : '*'}`,
    plan: o.plan,
    numMinibatches: o.numMinibatches,
    startMicrobatch: o.resume?.cutMicrobatch,
    planVersion: o.resume?.planVersion,
    rendezvousTimeoutMs: o.rendezvousTimeoutMs,
    heartbeatTimeoutMs: o.heartbeatTimeoutMs,
    changes: mode === 'pipedream' || !o.changes ? undefined : { ...o.changes, kind: mode === 'dynpipe-re' ? 'restart' : 'live', restart: (r) => restart(r, port) },
    curve: o.curve,
    checkpoints: o.checkpoints,
    onStats: o.onStats,
    say: o.say,
    now: jobClock(jobStartMs),
  });
  port = new URL(coordinator.endpoint.replace(/^tcp:/, 'http:')).port;
  o.onListening?.(coordinator.endpoint);
  try {
    spawnAll(o.planPath, o.resume ? ['--resume', o.resume.dir, '--start-microbatch', String(o.resume.cutMicrobatch)] : [], port);
    const summary = await coordinator.run();
    finished = true;
    await waitAll(children, o.killGraceMs * 5);
    const bad = children.findIndex((c) => c.exitCode !== 0);
    if (bad >= 0) throw new DynpipeError('E_PEER_FAILED', `rank ${bad} exited with code ${children[bad].exitCode} after the run`);
    return summary;
  } finally {
    finished = true;
    await stopAll(children, o.killGraceMs);
    await coordinator.close();
  }
}

function exited(c: ChildProcess): boolean {
  return c.exitCode !== null || c.signalCode !== null;
}

function waitExit(c: ChildProcess, ms: number): Promise<boolean> {
  if (exited(c)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    c.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function waitAll(children: ChildProcess[], ms: number): Promise<void> {
  await Promise.all(children.map((c) => waitExit(c, ms)));
}

/** SIGTERM every live worker, SIGKILL those still alive after `graceMs`. */
async function stopAll(children: ChildProcess[], graceMs: number): Promise<void> {
  const live = children.filter((c) => !exited(c));
  for (const c of live) c.kill('SIGTERM');
  const ok = await Promise.all(live.map((c) => waitExit(c, graceMs)));
  live.forEach((c, i) => (!ok[i] ? c.kill('SIGKILL') : undefined));
  await Promise.all(live.filter((_, i) => !ok[i]).map((c) => waitExit(c, 2000)));
}
