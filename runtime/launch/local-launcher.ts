/**
 * `dynpipe launch`: the coordinator in this process plus one worker process per rank on this
 * machine (what torchrun does for one node). Worker output is streamed line by line with its rank;
 * if any worker exits early or fails, the coordinator shuts the others down, stragglers are
 * killed after a grace period, and the launch fails naming the first failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { Plan } from '../plan/plan.js';
import { worldSize } from '../plan/plan.js';
import { Coordinator, type RankStats, type RunSummary } from '../coordinator/coordinator.js';
import { DynpipeError } from '../errors.js';
import type { CurveKeys } from '../transport/curve-keys.js';
import type { CheckpointCollector } from '../coordinator/checkpoint-collector.js';

export interface LaunchOptions {
  planPath: string;
  plan: Plan;
  numMinibatches: number;
  /** Flags passed through to every worker (dataset, backend, log dir, ...). */
  workerArgs: string[];
  rendezvousTimeoutMs: number;
  heartbeatTimeoutMs: number;
  /** Grace period between SIGTERM and SIGKILL for workers still running after a failure. */
  killGraceMs: number;
  /** CPU list per rank for `taskset -c` (e.g. ['0', '1-2']); pins each worker to its cores. */
  cpuSets?: readonly string[];
  /** The job's CURVE key pair for the coordinator (workers get `--curve-keys` through workerArgs). */
  curve?: CurveKeys;
  /** A resumed job starts at this microbatch (workers get `--resume` through workerArgs). */
  startMicrobatch?: number;
  /** Commits the checkpoint sets the workers write (they get `--checkpoint-dir` through workerArgs). */
  checkpoints?: CheckpointCollector;
  onStats?(rank: number, stats: RankStats): void;
  say(line: string): void;
}

/** Lines native libraries print on every start that say nothing to a user (Dawn's limit notes). */
const NOISE = /^Warning: maxDynamic\w+ artificially reduced/;

const CLI = fileURLToPath(new URL('../cli/dynpipe.js', import.meta.url));

export async function launchLocal(o: LaunchOptions): Promise<RunSummary> {
  const n = worldSize(o.plan);
  const coordinator = await Coordinator.open({
    bindAddress: 'tcp://127.0.0.1:*',
    plan: o.plan,
    numMinibatches: o.numMinibatches,
    rendezvousTimeoutMs: o.rendezvousTimeoutMs,
    heartbeatTimeoutMs: o.heartbeatTimeoutMs,
    curve: o.curve,
    startMicrobatch: o.startMicrobatch,
    checkpoints: o.checkpoints,
    onStats: o.onStats,
    say: o.say,
    now: () => performance.now(),
  });
  const port = new URL(coordinator.endpoint.replace(/^tcp:/, 'http:')).port;
  const jobId = `j${process.pid}-${randomBytes(3).toString('hex')}`;
  const children: ChildProcess[] = [];
  let finished = false;
  try {
    for (let rank = 0; rank < n; rank++) {
      const args = [
        CLI, 'worker', '--rank', String(rank), '--local-rank', String(rank), '--world-size', String(n),
        '--master-addr', '127.0.0.1', '--master-port', port, '--config-path', o.planPath,
        '--num-minibatches', String(o.numMinibatches), '--transport', 'ipc', '--job-id', jobId, ...o.workerArgs,
      ];
      const cpus = o.cpuSets?.[rank];
      const child = cpus === undefined
        ? spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
        : spawn('taskset', ['-c', cpus, process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      for (const stream of [child.stdout!, child.stderr!]) {
        createInterface({ input: stream }).on('line', (line) => {
          if (!NOISE.test(line)) o.say(`[rank ${rank}] ${line}`);
        });
      }
      child.on('exit', (code, signal) => {
        if (finished || code === 0) return;
        coordinator.fail(`rank ${rank} exited ${signal ? `on ${signal}` : `with code ${code}`}`);
      });
      child.on('error', (e) => coordinator.fail(`rank ${rank} could not start: ${e.message}`));
    }
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
