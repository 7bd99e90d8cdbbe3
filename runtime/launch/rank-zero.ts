/**
 * Rank 0 under a cluster launcher: the coordinator and the rank in one process, so one `srun` or
 * `mpirun` line is the whole job.
 *
 * Both run on one event loop; the coordinator's socket work is ZeroMQ's (its own threads), and its
 * heartbeat checks run between the rank's kernel calls, each far shorter than the heartbeat timeout.
 * Ending: the run succeeds when the coordinator has every rank's `done` and the rank has finished.
 * If the rank fails before it reaches the coordinator (bad plan, no backend) the coordinator is told
 * through fail(); if the coordinator fails it has already sent `shutdown` to every rank, this one
 * included. The coordinator's error names the first failure of the job, so it is the one thrown.
 */
import { Coordinator, type RankStats, type RunSummary } from '../coordinator/coordinator.js';
import { DynpipeError } from '../errors.js';
import type { Plan } from '../plan/plan.js';
import type { CurveKeys } from '../transport/curve-keys.js';
import type { CheckpointCollector } from '../coordinator/checkpoint-collector.js';
import { runWorker, type WorkerConfig } from '../worker/worker.js';

export interface RankZeroOptions {
  /** tcp://<coordinator address>:<port>, which every rank dials. */
  listen: string;
  /** Where the address came from, for the error when it cannot be bound. */
  listenSource: string;
  plan: Plan;
  numMinibatches: number;
  rendezvousTimeoutMs: number;
  heartbeatTimeoutMs: number;
  /** A resumed job: the set's cut and the plan version it resumes at. */
  startMicrobatch?: number;
  planVersion?: number;
  curve?: CurveKeys;
  /** Completes the checkpoint sets the ranks write. */
  checkpoints?: CheckpointCollector;
  onStats?(rank: number, stats: RankStats): void;
  say(line: string): void;
  now(): number;
}

export async function runRankZeroWithCoordinator(worker: WorkerConfig, o: RankZeroOptions): Promise<RunSummary> {
  let coordinator: Coordinator;
  try {
    coordinator = await Coordinator.open({
      bindAddress: o.listen,
      plan: o.plan,
      numMinibatches: o.numMinibatches,
      rendezvousTimeoutMs: o.rendezvousTimeoutMs,
      heartbeatTimeoutMs: o.heartbeatTimeoutMs,
      startMicrobatch: o.startMicrobatch,
      planVersion: o.planVersion,
      curve: o.curve,
      checkpoints: o.checkpoints,
      onStats: o.onStats,
      say: o.say,
      now: o.now,
    });
  } catch (e) {
    const why = (e as Error).message.replace(/^coordinator: /, '');
    throw new DynpipeError(
      'E_USAGE',
      `rank 0 runs the coordinator but ${why} (address ${o.listenSource}); run rank 0 on that host, set DYNPIPE_MASTER_ADDR/DYNPIPE_MASTER_PORT, or pass --coordinator external and start dynpipe coordinator`,
      { cause: e },
    );
  }
  o.say(`rank 0: coordinator listening on ${coordinator.endpoint}`);
  try {
    const rank = runWorker(worker).catch((e: unknown) => {
      coordinator.fail(`rank 0 failed: ${(e as Error).message}`);
      throw e;
    });
    const [job, own] = await Promise.allSettled([coordinator.run(), rank]);
    if (job.status === 'rejected') throw job.reason;
    if (own.status === 'rejected') throw own.reason;
    return job.value;
  } finally {
    await coordinator.close();
  }
}
