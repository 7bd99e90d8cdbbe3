/**
 * `dynpipe worker`: one pipeline rank, started by `dynpipe launch`, by hand, or by a cluster
 * launcher (one process per device, the shape PipeDream and torchrun users know). Its place in the
 * job comes from flags or the launcher's environment (launch/env-detect.ts; `--print-env` shows
 * what was found); under a launcher rank 0 also runs the coordinator (launch/launch-env.ts).
 */
import { Command, Option } from 'commander';
import { DynpipeError } from '../../errors.js';
import { detectLaunch, formatDetected, LAUNCHERS, type Launcher } from '../../launch/env-detect.js';
import { COORDINATOR_MODES, runsCoordinator, type CoordinatorMode } from '../../launch/launch-env.js';
import { startRank, type TransportMode } from '../../launch/start-rank.js';
import { numStages, worldSize } from '../../plan/plan.js';
import { epochNowMs, jobClock } from '../../worker/job-clock.js';
import type { Mode } from '../../worker/worker.js';
import { intOption } from '../options.js';
import { readPlanFile } from '../plan-file.js';
import { createProgress } from '../progress.js';
import { formatRunSummary } from '../run-summary.js';
import { workerHooks } from '../worker-hooks.js';
import { parseNetDelaySpans } from '../../worker/net-delay-spans.js';
import { readKeyDir } from '../../transport/key-files.js';

interface WorkerFlags {
  rank?: number;
  localRank?: number;
  worldSize?: number;
  masterAddr?: string;
  masterPort?: number;
  launcher?: Launcher;
  printEnv?: boolean;
  coordinator: CoordinatorMode;
  heartbeatTimeoutMs: number;
  configPath?: string;
  numMinibatches?: number;
  dataset: string;
  dataDir?: string;
  trainSamples?: number;
  backend: 'auto' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
  mode: Mode;
  logDir?: string;
  transport: TransportMode;
  bindAddr?: string;
  jobId?: string;
  recvTimeoutMs: number;
  rendezvousTimeoutMs: number;
  saveWeights?: string;
  jobStartMs?: number;
  resume?: string;
  startMicrobatch?: number;
  restarted?: boolean;
  checkpointDir?: string;
  checkpointEvery?: number;
  curveKeys?: string;
  migrationTimeoutMs: number;
  dumpDir?: string;
  progress?: boolean;
  hostStatsEvery?: number;
  netDelay?: string;
  snapshotEvery?: number;
  snapshotDir?: string;
}

function requiredFlag(flag: string): DynpipeError {
  return new DynpipeError('E_USAGE', `${flag} is required (only --print-env runs without it)`);
}

/** --snapshot-every and --snapshot-dir come together or not at all. */
function snapshotsFrom(f: WorkerFlags): { dir: string; every: number } | undefined {
  if ((f.snapshotEvery === undefined) !== (f.snapshotDir === undefined)) throw new DynpipeError('E_USAGE', '--snapshot-every and --snapshot-dir go together');
  return f.snapshotEvery === undefined || f.snapshotDir === undefined ? undefined : { dir: f.snapshotDir, every: f.snapshotEvery };
}

async function run(f: WorkerFlags): Promise<void> {
  const plan = f.configPath === undefined ? undefined : await readPlanFile(f.configPath);
  const flags = { rank: f.rank, worldSize: f.worldSize, localRank: f.localRank, masterAddr: f.masterAddr, masterPort: f.masterPort, launcher: f.launcher };
  const detected = detectLaunch(process.env, { ...flags, planWorldSize: plan && worldSize(plan) });
  if (f.printEnv) {
    process.stdout.write(formatDetected(detected));
    return;
  }
  if (plan === undefined || f.configPath === undefined) throw requiredFlag('--config-path <plan.json>');
  if (f.numMinibatches === undefined) throw requiredFlag('--num-minibatches <m>');
  const numMinibatches = f.numMinibatches;
  if (f.mode === 'dynpipe-re' && !f.checkpointDir) throw new DynpipeError('E_USAGE', '--mode dynpipe-re needs --checkpoint-dir (where the restart checkpoints go)');
  if (f.checkpointEvery !== undefined && !f.checkpointDir) throw new DynpipeError('E_USAGE', '--checkpoint-every needs --checkpoint-dir (where the checkpoints go)');
  if (f.startMicrobatch !== undefined && !f.resume) throw new DynpipeError('E_USAGE', '--start-microbatch needs --resume (the checkpoint of that microbatch)');
  if (f.restarted && !f.resume) throw new DynpipeError('E_USAGE', '--restarted needs --resume');
  if (f.mode !== 'pipedream' && runsCoordinator(detected, f.coordinator)) {
    throw new DynpipeError('E_USAGE', `--mode ${f.mode}: the coordinator in rank 0 runs static plans only; use --mode pipedream, or dynpipe launch for plan changes`);
  }
  const lastStage = String(numStages(plan) - 1);
  const bar = createProgress('pipeline', numMinibatches, { enabled: f.progress, fields: 'loss {loss}' });
  let lastStageRows = 0;
  const jobStartMs = f.jobStartMs ?? Math.round(epochNowMs());
  const summary = await startRank({
    detected,
    planPath: f.configPath,
    transport: f.transport,
    bindAddr: f.bindAddr,
    jobId: f.jobId,
    coordinator: f.coordinator,
    heartbeatTimeoutMs: f.heartbeatTimeoutMs,
    now: jobClock(jobStartMs),
    onStats: (_rank, s) => {
      if (String(s.stage) !== lastStage) return;
      lastStageRows += s.rows;
      bar.update(Math.min(numMinibatches, Math.floor(lastStageRows / plan.microbatch_size)), { loss: s.loss?.toFixed(4) ?? '' });
    },
    work: {
      plan,
      numMinibatches,
      dataset: f.dataset,
      dataDir: f.dataDir,
      trainSamples: f.trainSamples,
      backend: f.backend,
      logDir: f.logDir,
      recvTimeoutMs: f.recvTimeoutMs,
      rendezvousTimeoutMs: f.rendezvousTimeoutMs,
      saveWeightsDir: f.saveWeights,
      mode: f.mode,
      jobStartMs,
      resumeDir: f.resume,
      startMicrobatch: f.startMicrobatch,
      restarted: f.restarted,
      checkpointDir: f.checkpointDir,
      checkpointEvery: f.checkpointEvery,
      curve: f.curveKeys ? await readKeyDir(f.curveKeys) : undefined,
      migrationTimeoutMs: f.migrationTimeoutMs,
      dumpDir: f.dumpDir,
      hostStatsEvery: f.hostStatsEvery,
      netDelay: f.netDelay === undefined ? undefined : parseNetDelaySpans(f.netDelay),
      snapshots: snapshotsFrom(f),
      ...workerHooks(process.env, detected.rank.value),
      say: (line) => process.stderr.write(line + '\n'),
    },
  }).finally(() => bar.stop());
  if (summary) process.stdout.write(formatRunSummary(plan, summary));
}

export function register(program: Command): void {
  program
    .command('worker')
    .description('run one pipeline rank (one process per device); placement from flags or the launcher (srun, mpirun, torchrun)')
    .option('--rank <r>', 'global rank of this process (default: from the launcher)', intOption(0))
    .option('--world-size <n>', 'number of ranks, must equal the plan\'s (default: from the launcher, else the plan)', intOption(1))
    .option('--local-rank <g>', 'rank on this host, for logs; the device comes from the launcher\'s GPU binding (default: from the launcher, else 0)', intOption(0))
    .option('--master-addr <host>', "coordinator's address (default: DYNPIPE_MASTER_ADDR, MASTER_ADDR, or Slurm's first node)")
    .option('--master-port <port>', "coordinator's control port (default: DYNPIPE_MASTER_PORT, MASTER_PORT, or derived from the Slurm job id)", intOption(1, 65535))
    .addOption(new Option('--launcher <name>', 'read only this launcher\'s variables (also DYNPIPE_LAUNCHER)').choices([...LAUNCHERS]))
    .option('--print-env', 'print the rank, world size, local rank and coordinator found, and where from, then exit')
    .addOption(new Option('--coordinator <mode>', 'auto: rank 0 runs the coordinator when started by a launcher; in-process: this rank 0 runs it; external: a separate dynpipe coordinator does').choices([...COORDINATOR_MODES]).default('auto'))
    .option('--heartbeat-timeout-ms <ms>', 'a rank (or, seen from a rank, the coordinator) silent this long is declared dead', intOption(100), 10_000)
    .option('--config-path <plan.json>', 'the plan (dynpipe plan writes it); required')
    .option('--num-minibatches <m>', 'microbatches to train; required', intOption(1))
    .option('--dataset <name>', 'training dataset', 'fashion-mnist')
    .option('--data-dir <dir>', 'directory of the dataset files')
    .option('--train-samples <n>', 'use only the first n training samples', intOption(1))
    .addOption(new Option('--backend <name>', 'compute backend').choices(['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu']).default('auto'))
    .addOption(new Option('--mode <mode>', 'repartitioning mode').choices(['pipedream', 'simple', 'dynpipe-re', 'dynpipe']).default('pipedream'))
    .option('--log-dir <dir>', 'write this rank\'s CSV log (rank-<r>.csv) here')
    .addOption(new Option('--transport <kind>', 'data transport: auto = ipc to ranks on this host, tcp to others; ipc or tcp = that only').choices(['auto', 'ipc', 'tcp']).default('auto'))
    .option('--bind-addr <ip>', 'this host\'s address for the tcp data socket (default: the one that reaches the coordinator)')
    .option('--job-id <id>', 'names the ipc sockets (default: from the coordinator\'s address and port)')
    .option('--recv-timeout-ms <ms>', 'deadline of each receive from a peer', intOption(1), 120_000)
    .option('--rendezvous-timeout-ms <ms>', 'deadline for all ranks to register', intOption(1), 120_000)
    .option('--save-weights <dir>', 'write this stage\'s final weights to <dir>/stage-<s>.rank-<r>.weights')
    .option('--job-start-ms <epochMs>', 'epoch ms at which the job started (the clock of every log; default: now)', intOption(0))
    .option('--resume <dir>', 'continue from a checkpoint: a set directory, or a store (its newest complete set)')
    .option('--start-microbatch <m>', 'with --resume: the cut microbatch expected (checked against the checkpoint)', intOption(0))
    .option('--restarted', 'with --resume: this rank continues a running job after a dynpipe-re restart')
    .option('--checkpoint-dir <dir>', 'checkpoint store shared by all ranks and the coordinator: this rank\'s file of each set at a plan change (needed by dynpipe-re; dynpipe writes one before migrating) and, with --checkpoint-every, of periodic sets')
    .option('--checkpoint-every <k>', 'drain the pipeline and checkpoint after every k microbatches', intOption(1))
    .option('--curve-keys <dir>', 'authenticate and encrypt every socket with the job\'s CURVE keys (dynpipe keys generate)')
    .option('--migration-timeout-ms <ms>', 'deadline of every step of a plan change', intOption(1), 60_000)
    .option('--dump-dir <dir>', 'diagnostics: after each plan change write this rank\'s state to <dir>/post-v<version>/')
    .option('--net-delay <spans>', "delay this rank's sends like net interference during job-clock spans: '<fromMs>-<toMs>:<intensity>,...' (empty toMs: to the end)")
    .option('--snapshot-every <k>', 'write this rank\'s weights every k microbatches (for accuracy over time, measured after the run)', intOption(1))
    .option('--snapshot-dir <dir>', 'where --snapshot-every writes: <dir>/mb-<m>/rank-<r>.weights')
    .option('--host-stats-every <m>', 'sample host counters every m microbatches and report them (for the slowdown predictor)', intOption(1))
    .option('--progress', 'on the rank that runs the coordinator, show a progress bar even when stderr is not a terminal')
    .action((f: WorkerFlags) => run(f));
}
