/**
 * From a detected placement to a running rank: check it against the plan, choose the data socket's
 * addresses (launch/bind-address.ts) and ipc job id, and run the worker, with the coordinator
 * in-process when launch-env.ts says so (it then completes the checkpoint sets the ranks write
 * under `checkpointDir`, and counts a resumed job from its set's cut).
 */
import type { RankStats, RunSummary } from '../coordinator/coordinator.js';
import { worldSize } from '../plan/plan.js';
import type { DataBind } from '../worker/rendezvous.js';
import { runWorker, type WorkerConfig } from '../worker/worker.js';
import { pickBindAddress, resolveIPv4 } from './bind-address.js';
import { describeSource, type DetectedLaunch } from './env-detect.js';
import { checkWorldSize, ipcJobId, runsCoordinator, type CoordinatorMode } from './launch-env.js';
import { runRankZeroWithCoordinator } from './rank-zero.js';
import { CheckpointStore, openCheckpoint } from '../checkpoint/checkpoint-store.js';
import { resumedPlanVersion } from '../checkpoint/resume-plan.js';
import { CheckpointCollector } from '../coordinator/checkpoint-collector.js';

/** Complete checkpoint sets the in-process coordinator keeps (older ones are deleted). */
const CHECKPOINTS_KEPT = 3;

/** `auto`: ipc to ranks on this host and tcp to the others; `ipc` or `tcp`: that one only. */
export type TransportMode = 'auto' | 'ipc' | 'tcp';

/** WorkerConfig minus what placement decides. */
export type RankWork = Omit<WorkerConfig, 'rank' | 'worldSize' | 'localRank' | 'coordinator' | 'bind' | 'coordinatorTimeoutMs'>;

export interface RankStart {
  detected: DetectedLaunch;
  planPath: string;
  transport: TransportMode;
  /** --bind-addr: this host's address for the tcp socket (else chosen to reach the coordinator). */
  bindAddr?: string;
  /** --job-id: names the ipc sockets (else derived from the coordinator's address and port). */
  jobId?: string;
  coordinator: CoordinatorMode;
  /** The in-process coordinator's limit on a silent rank, and this rank's on a silent coordinator. */
  heartbeatTimeoutMs: number;
  work: RankWork;
  /** Every rank's stats, when this process runs the coordinator. */
  onStats?(rank: number, stats: RankStats): void;
  now(): number;
}

/** Runs the rank; resolves with the job's summary when this process ran the coordinator. */
export async function startRank(o: RankStart): Promise<RunSummary | undefined> {
  const { detected: d, work } = o;
  checkWorldSize(d, worldSize(work.plan), o.planPath);
  const withCoordinator = runsCoordinator(d, o.coordinator);
  const rank = d.rank.value;
  const coordinatorIp = await resolveIPv4(d.masterAddr.value);
  const port = d.masterPort.value;
  const bind: DataBind = {};
  if (o.transport !== 'tcp') bind.ipc = { jobId: o.jobId ?? ipcJobId(coordinatorIp, port) };
  if (o.transport !== 'ipc') {
    const choice = await pickBindAddress(coordinatorIp, { bindAddr: o.bindAddr });
    bind.tcp = { host: choice.address };
    work.say(`rank ${rank}: tcp on ${choice.address} (${choice.detail})`);
  }
  const cfg: WorkerConfig = {
    ...work,
    rank,
    worldSize: d.worldSize.value,
    localRank: d.localRank.value,
    coordinator: `tcp://${coordinatorIp}:${port}`,
    bind,
    coordinatorTimeoutMs: o.heartbeatTimeoutMs,
  };
  if (!withCoordinator) {
    await runWorker(cfg);
    return undefined;
  }
  const resumed = work.resumeDir ? (await openCheckpoint(work.resumeDir)).set : undefined;
  const planVersion = resumed ? resumedPlanVersion(resumed.manifest, work.plan) : 0;
  const checkpoints = work.checkpointDir
    ? new CheckpointCollector({ store: new CheckpointStore(work.checkpointDir), plan: work.plan, planVersion, keep: CHECKPOINTS_KEPT, say: work.say })
    : undefined;
  return runRankZeroWithCoordinator(cfg, {
    listen: cfg.coordinator,
    listenSource: `${d.masterAddr.value}:${port} from ${describeSource(d.masterAddr)} and ${describeSource(d.masterPort)}`,
    plan: work.plan,
    numMinibatches: work.numMinibatches,
    rendezvousTimeoutMs: work.rendezvousTimeoutMs,
    heartbeatTimeoutMs: o.heartbeatTimeoutMs,
    startMicrobatch: resumed?.manifest.cutMicrobatch,
    planVersion,
    curve: work.curve,
    checkpoints,
    onStats: o.onStats,
    say: work.say,
    now: o.now,
  });
}
