/**
 * `dynpipe launch`: coordinator + every rank of a plan on this machine, one progress bar for the
 * whole pipeline, worker errors streamed with their rank, a summary at the end, and a non-zero exit
 * if any rank fails.
 */
import { join, resolve } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { readRankLogs } from '../../log/rank-log-files.js';
import { summarizeRun } from '../../log/summarize.js';
import { printSummary, SUMMARY_FILE_NAME } from '../../log/summary.js';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { launchRecovering } from '../../launch/recovering-launch.js';
import { openCheckpoint } from '../../checkpoint/checkpoint-store.js';
import { DynpipeError } from '../../errors.js';
import { numStages, stageOfRank, worldSize } from '../../plan/plan.js';
import { intOption } from '../options.js';
import { readPlanFile } from '../plan-file.js';
import { createProgress } from '../progress.js';
import { defaultDatasetName } from '../default-dataset.js';
import { readKeyDir } from '../../transport/key-files.js';

const DEFAULT_PLAN = fileURLToPath(new URL('../../../../configs/default/plan.json', import.meta.url));

interface LaunchFlags {
  plan?: string;
  numMinibatches: number;
  dataset?: string;
  dataDir?: string;
  trainSamples?: number;
  backend: string;
  logDir?: string;
  saveWeights?: string;
  recvTimeoutMs: number;
  rendezvousTimeoutMs: number;
  heartbeatTimeoutMs: number;
  progress?: boolean;
  quiet?: boolean;
  cpusPerRank?: number;
  curveKeys?: string;
  checkpointDir?: string;
  checkpointEvery?: number;
  checkpointKeep: number;
  resume?: string;
  restartOnFailure: number;
}

/** Rank r gets cores [r*k, (r+1)*k) (k = --cpus-per-rank), as taskset lists. */
export function cpuSetsFor(ranks: number, perRank: number): string[] {
  return Array.from({ length: ranks }, (_, r) => (perRank === 1 ? String(r) : `${r * perRank}-${(r + 1) * perRank - 1}`));
}

async function run(f: LaunchFlags): Promise<void> {
  if ((f.checkpointDir === undefined) !== (f.checkpointEvery === undefined)) throw new DynpipeError('E_USAGE', '--checkpoint-dir and --checkpoint-every go together');
  const resumed = f.resume ? await openCheckpoint(resolve(f.resume)) : undefined;
  for (const s of resumed?.skipped ?? []) process.stderr.write(`dynpipe launch: checkpoint ${s.dir} skipped: ${s.reason}\n`);
  const planPath = f.plan ? resolve(f.plan) : DEFAULT_PLAN;
  const plan = f.plan || !resumed ? await readPlanFile(planPath) : resumed.set.manifest.plan;
  const start = resumed?.set.manifest.cutMicrobatch ?? 0;
  const dataset = defaultDatasetName(f.dataset, f.dataDir, (l) => process.stderr.write(l + '\n'));
  const workerArgs = ['--dataset', dataset, '--backend', f.backend, '--recv-timeout-ms', String(f.recvTimeoutMs), '--rendezvous-timeout-ms', String(f.rendezvousTimeoutMs)];
  if (f.dataDir) workerArgs.push('--data-dir', resolve(f.dataDir));
  if (f.trainSamples) workerArgs.push('--train-samples', String(f.trainSamples));
  if (f.logDir) workerArgs.push('--log-dir', resolve(f.logDir));
  if (f.saveWeights) workerArgs.push('--save-weights', resolve(f.saveWeights));
  const curve = f.curveKeys ? await readKeyDir(f.curveKeys) : undefined;
  if (f.curveKeys) workerArgs.push('--curve-keys', resolve(f.curveKeys));
  const last = numStages(plan) - 1;
  const bar = createProgress('pipeline', f.numMinibatches - start, { enabled: f.progress, fields: 'loss {loss}' });
  let completed = 0;
  let lastLoss = NaN;
  const say = (line: string) => {
    if (!f.quiet) process.stderr.write(line + '\n');
  };
  process.stderr.write(`dynpipe launch: ${worldSize(plan)} ranks, ${numStages(plan)} stages [${plan.partition.join(', ')}] of ${plan.model.name}, ${f.numMinibatches} microbatches of ${plan.microbatch_size}${resumed ? `, resuming from ${resumed.set.dir} at microbatch ${start}` : ''}\n`);
  const summary = await launchRecovering({
    planPath,
    plan,
    numMinibatches: f.numMinibatches,
    workerArgs,
    rendezvousTimeoutMs: f.rendezvousTimeoutMs,
    heartbeatTimeoutMs: f.heartbeatTimeoutMs,
    killGraceMs: 2000,
    cpuSets: f.cpusPerRank ? cpuSetsFor(worldSize(plan), f.cpusPerRank) : undefined,
    curve,
    onStats: (_rank, s) => {
      if (s.stage !== last) return;
      completed++;
      if (typeof s.loss === 'number') lastLoss = s.loss;
      bar.update(Math.min(f.numMinibatches, Math.floor(completed / plan.stage_to_rank_map[String(last)].length)), { loss: lastLoss.toFixed(4) });
    },
    say,
  }, {
    checkpointDir: f.checkpointDir ? resolve(f.checkpointDir) : undefined,
    checkpointEvery: f.checkpointEvery,
    checkpointKeep: f.checkpointKeep,
    start: resumed?.set,
    planGiven: f.plan !== undefined,
    restarts: f.restartOnFailure,
  }).finally(() => bar.stop());
  if (f.logDir) {
    const dir = resolve(f.logDir);
    const rows = await readRankLogs(dir);
    const file = join(dir, SUMMARY_FILE_NAME);
    await writeFile(file, printSummary(summarizeRun(rows, { mode: 'pipedream', model: plan.model.name, microbatchSize: plan.microbatch_size })));
  }
  const busy = summary.busyFraction.map((b, r) => `rank ${r} (stage ${stageOfRank(plan, r)}) ${(100 * b).toFixed(1)}%`).join(', ');
  process.stdout.write(
    `trained ${summary.microbatches} microbatches in ${summary.seconds.toFixed(1)} s: ${summary.samplesPerS.toFixed(1)} samples/s` +
      `${summary.finalLoss !== undefined ? `, final loss ${summary.finalLoss.toFixed(4)}` : ''}\nbusy: ${busy}\n`,
  );
}

export function register(program: Command): void {
  program
    .command('launch')
    .description('run the coordinator and every rank of a plan on this machine')
    .option('--plan <plan.json>', 'the plan to run (default: the embedded 4-rank tinycnn plan, configs/default/plan.json)')
    .option('--num-minibatches <m>', 'microbatches to train', intOption(1), 300)
    .option('--dataset <name>', 'training dataset (default: fashion-mnist if installed, else synthetic-image)')
    .option('--data-dir <dir>', 'directory of the dataset files')
    .option('--train-samples <n>', 'use only the first n training samples', intOption(1))
    .addOption(new Option('--backend <name>', 'compute backend of every rank').choices(['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu']).default('auto'))
    .option('--log-dir <dir>', 'per-rank CSV logs (rank-<r>.csv)')
    .option('--save-weights <dir>', 'final weights of every stage')
    .option('--recv-timeout-ms <ms>', 'deadline of each receive from a peer', intOption(1), 120_000)
    .option('--rendezvous-timeout-ms <ms>', 'deadline for all ranks to start and register', intOption(1), 120_000)
    .option('--heartbeat-timeout-ms <ms>', 'a rank silent this long is declared dead', intOption(100), 10_000)
    .option('--progress', 'show the progress bar even when stderr is not a terminal')
    .option('--quiet', 'do not stream worker messages')
    .option('--cpus-per-rank <k>', 'pin rank r to cores [r*k, (r+1)*k) with taskset', intOption(1))
    .option('--curve-keys <dir>', 'authenticate and encrypt every socket with the job\'s CURVE keys (dynpipe keys generate)')
    .option('--checkpoint-dir <dir>', 'checkpoint store: every rank writes its stage there and the coordinator completes each set with a manifest')
    .option('--checkpoint-every <k>', 'drain the pipeline and checkpoint after every k microbatches', intOption(1))
    .option('--checkpoint-keep <n>', 'complete checkpoints kept (older ones are deleted)', intOption(1), 3)
    .option('--resume <dir>', 'continue from a checkpoint: a store (its newest complete set) or one set; without --plan, under the checkpoint\'s plan')
    .option('--restart-on-failure <n>', 'relaunch every rank from the newest complete checkpoint when a rank dies or goes silent, up to n times', intOption(0), 0)
    .action((f: LaunchFlags) => run(f));
}
