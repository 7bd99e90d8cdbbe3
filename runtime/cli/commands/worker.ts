/**
 * `dynpipe worker`: one pipeline rank, started by `dynpipe launch`, by hand, or by a cluster
 * launcher (one process per device, the shape PipeDream and torchrun users know).
 */
import { Command, Option } from 'commander';
import { runWorker } from '../../worker/worker.js';
import { worldSize } from '../../plan/plan.js';
import { DynpipeError } from '../../errors.js';
import { intOption } from '../options.js';
import { readPlanFile } from '../plan-file.js';
import { readKeyDir } from '../../transport/key-files.js';
import { networkCutAfterMs } from '../fault-hooks.js';

interface WorkerFlags {
  rank: number;
  localRank: number;
  worldSize?: number;
  masterAddr: string;
  masterPort: number;
  configPath: string;
  numMinibatches: number;
  dataset: string;
  dataDir?: string;
  trainSamples?: number;
  backend: 'auto' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
  mode: string;
  logDir?: string;
  transport?: 'ipc' | 'tcp';
  bindAddr?: string;
  jobId?: string;
  recvTimeoutMs: number;
  rendezvousTimeoutMs: number;
  saveWeights?: string;
  curveKeys?: string;
  checkpointDir?: string;
  checkpointEvery?: number;
  resume?: string;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1)$/;

async function run(f: WorkerFlags): Promise<void> {
  const plan = await readPlanFile(f.configPath);
  const n = worldSize(plan);
  if (f.worldSize !== undefined && f.worldSize !== n) {
    throw new DynpipeError('E_USAGE', `--world-size ${f.worldSize} does not match the plan's ${n} ranks (${f.configPath})`);
  }
  if (f.rank >= n) throw new DynpipeError('E_USAGE', `--rank ${f.rank} is outside the plan's ${n} ranks`);
  if (f.mode !== 'pipedream') throw new DynpipeError('E_USAGE', `--mode ${f.mode}: only 'pipedream' (static plan) is available in this build`);
  if ((f.checkpointDir === undefined) !== (f.checkpointEvery === undefined)) throw new DynpipeError('E_USAGE', '--checkpoint-dir and --checkpoint-every go together');
  const transport = f.transport ?? (LOOPBACK.test(f.masterAddr) ? 'ipc' : 'tcp');
  const bind =
    transport === 'ipc'
      ? { transport: 'ipc' as const, jobId: f.jobId ?? `p${f.masterPort}` }
      : { transport: 'tcp' as const, host: f.bindAddr ?? (LOOPBACK.test(f.masterAddr) ? '127.0.0.1' : f.masterAddr) };
  await runWorker({
    rank: f.rank,
    worldSize: n,
    localRank: f.localRank,
    coordinator: `tcp://${f.masterAddr}:${f.masterPort}`,
    plan,
    numMinibatches: f.numMinibatches,
    dataset: f.dataset,
    dataDir: f.dataDir,
    trainSamples: f.trainSamples,
    backend: f.backend,
    logDir: f.logDir,
    bind,
    recvTimeoutMs: f.recvTimeoutMs,
    rendezvousTimeoutMs: f.rendezvousTimeoutMs,
    saveWeightsDir: f.saveWeights,
    curve: f.curveKeys ? await readKeyDir(f.curveKeys) : undefined,
    checkpoint: f.checkpointDir && f.checkpointEvery ? { dir: f.checkpointDir, every: f.checkpointEvery } : undefined,
    resume: f.resume,
    networkCutAfterMs: networkCutAfterMs(process.env, f.rank),
    say: (line) => process.stderr.write(line + '\n'),
  });
}

export function register(program: Command): void {
  program
    .command('worker')
    .description('run one pipeline rank (one process per device)')
    .requiredOption('--rank <r>', 'global rank of this process', intOption(0))
    .option('--local-rank <g>', 'rank on this host (selects the device)', intOption(0), 0)
    .option('--world-size <n>', 'number of ranks (checked against the plan)', intOption(1))
    .option('--master-addr <host>', "coordinator's address", '127.0.0.1')
    .requiredOption('--master-port <port>', "coordinator's control port", intOption(1, 65535))
    .requiredOption('--config-path <plan.json>', 'the plan (dynpipe plan writes it)')
    .requiredOption('--num-minibatches <m>', 'microbatches to train', intOption(1))
    .option('--dataset <name>', 'training dataset', 'fashion-mnist')
    .option('--data-dir <dir>', 'directory of the dataset files')
    .option('--train-samples <n>', 'use only the first n training samples', intOption(1))
    .addOption(new Option('--backend <name>', 'compute backend').choices(['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu']).default('auto'))
    .addOption(new Option('--mode <mode>', 'repartitioning mode').choices(['pipedream', 'simple', 'dynpipe-re', 'dynpipe']).default('pipedream'))
    .option('--log-dir <dir>', 'write this rank\'s CSV log (rank-<r>.csv) here')
    .addOption(new Option('--transport <kind>', 'data transport (default: ipc when the coordinator is on loopback, else tcp)').choices(['ipc', 'tcp']))
    .option('--bind-addr <host>', 'address to bind the data socket on (tcp)')
    .option('--job-id <id>', 'job id (names ipc sockets; default from the master port)')
    .option('--recv-timeout-ms <ms>', 'deadline of each receive from a peer', intOption(1), 120_000)
    .option('--rendezvous-timeout-ms <ms>', 'deadline for all ranks to register', intOption(1), 120_000)
    .option('--save-weights <dir>', 'write this stage\'s final weights to <dir>/stage-<s>.rank-<r>.weights')
    .option('--curve-keys <dir>', 'authenticate and encrypt every socket with the job\'s CURVE keys (dynpipe keys generate)')
    .option('--checkpoint-dir <dir>', 'checkpoint store: this rank writes its file of each set here (a directory all ranks and the coordinator share)')
    .option('--checkpoint-every <k>', 'drain the pipeline and checkpoint after every k microbatches', intOption(1))
    .option('--resume <dir>', 'continue from a checkpoint: a set directory, or a store (its newest complete set)')
    .action((f: WorkerFlags) => run(f));
}
