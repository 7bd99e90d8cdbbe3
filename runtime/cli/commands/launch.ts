/**
 * `dynpipe launch`: coordinator + every rank of a plan on this machine, one progress bar for the
 * whole pipeline, worker errors streamed with their rank, a summary at the end (and summary.json
 * in the log directory), and a non-zero exit if any rank fails. `--mode` picks how the plan may
 * change while training (pipedream: never).
 */
import { join, resolve } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { readRankLogs } from '../../log/rank-log-files.js';
import { summarizeRun } from '../../log/summarize.js';
import { printSummary, SUMMARY_FILE_NAME } from '../../log/summary.js';
import { launchLocal } from '../../launch/local-launcher.js';
import { numStages, printPlan, worldSize, type Plan } from '../../plan/plan.js';
import { readManifest } from '../../checkpoint/stage-checkpoint.js';
import { DynpipeError } from '../../errors.js';
import type { Mode } from '../../worker/worker.js';
import { floatOption, intOption } from '../options.js';
import { readPlanFile } from '../plan-file.js';
import { writeText } from '../text-files.js';
import { createProgress } from '../progress.js';
import { openDecisionLog } from '../decision-log.js';
import { type PolicyFlags, policyRunner, scriptedChanges } from '../repartition-setup.js';
import { defaultDatasetName } from '../default-dataset.js';
import { readText } from '../text-files.js';
import { parseSchedule, type ScheduleEvent } from '../../../profile/interfere/schedule.js';
import { formatInterferer } from '../../../predictor/mix.js';
import { parseCpuMap, type CpuMap } from '../../launch/cpu-map.js';
import { startInterference, type InterferenceReplay } from '../../launch/interference-replay.js';
import { appendInterferenceRows } from '../../launch/interference-log.js';
import type { AppliedInterference } from '../../launch/interference-rows.js';
import { formatNetDelaySpans } from '../../worker/net-delay-spans.js';
import { epochNowMs } from '../../worker/job-clock.js';

const DEFAULT_PLAN = fileURLToPath(new URL('../../../../configs/default/plan.json', import.meta.url));

interface LaunchFlags extends PolicyFlags {
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
  mode: Mode;
  masterPort: number;
  decisionLog?: string;
  checkpointDir?: string;
  resume?: string;
  changeAt: string[];
  migrationTimeoutMs: number;
  dumpDir?: string;
  cpusPerRank?: number;
  cpuMap?: string;
  interference?: string;
}

/** Rank r gets cores [r*k, (r+1)*k) (k = --cpus-per-rank), as taskset lists. */
export function cpuSetsFor(ranks: number, perRank: number): string[] {
  return Array.from({ length: ranks }, (_, r) => (perRank === 1 ? String(r) : `${r * perRank}-${(r + 1) * perRank - 1}`));
}

/** Rank pinning from --cpu-map or --cpus-per-rank (at most one of them); undefined: no pinning. */
function rankPinning(f: LaunchFlags, ranks: number): CpuMap | undefined {
  if (f.cpuMap !== undefined && f.cpusPerRank !== undefined) throw new DynpipeError('E_USAGE', 'give --cpu-map or --cpus-per-rank, not both');
  if (f.cpuMap !== undefined) return parseCpuMap(f.cpuMap, ranks);
  if (f.cpusPerRank !== undefined) return parseCpuMap(cpuSetsFor(ranks, f.cpusPerRank).join(';'), ranks, '--cpus-per-rank');
  return undefined;
}

/** The --interference trace: generator events (replayed here) and net events (--net-delay of their rank). */
function readTrace(path: string, ranks: number): { processes: ScheduleEvent[]; net: ScheduleEvent[] } {
  const events = parseSchedule(readText(path), path);
  const net = events.filter((e) => e.spec.kind === 'net');
  const outside = net.find((e) => e.spec.kind === 'net' && e.spec.rank >= ranks);
  if (outside) throw new DynpipeError('E_USAGE', `${path}:${outside.line}: target: ${formatInterferer(outside.spec)} names a rank outside the plan's ${ranks}`);
  return { processes: events.filter((e) => e.spec.kind !== 'net'), net };
}

async function run(f: LaunchFlags): Promise<void> {
  const manifest = f.resume ? await readManifest(resolve(f.resume)) : undefined;
  if (f.mode === 'dynpipe-re' && !f.checkpointDir) throw new DynpipeError('E_USAGE', '--mode dynpipe-re needs --checkpoint-dir (where the restart checkpoints go)');
  if (f.changeAt.length > 0 && f.mode === 'pipedream') throw new DynpipeError('E_USAGE', '--change-at needs a mode that can change plans (--mode simple, dynpipe or dynpipe-re)');
  // Without --plan a resumed job runs the checkpoint's plan (the workers read <checkpoint>/plan.json).
  const planPath = f.plan ? resolve(f.plan) : manifest ? join(resolve(f.resume!), 'plan.json') : DEFAULT_PLAN;
  const plan: Plan = f.plan || !manifest ? await readPlanFile(planPath) : manifest.plan;
  if (!f.plan && manifest) writeText(planPath, printPlan(plan));
  const pinning = rankPinning(f, worldSize(plan));
  const trace = f.interference ? readTrace(f.interference, worldSize(plan)) : undefined;
  const netSpans = (rank: number) => (trace?.net ?? []).filter((e) => e.spec.kind === 'net' && e.spec.rank === rank).map((e) => ({ fromMs: e.startS * 1000, toMs: e.endS * 1000, intensity: e.spec.intensity }));
  let jobStart = 0;
  let replay: InterferenceReplay | undefined;
  let applied: AppliedInterference[] = [];
  const dataset = defaultDatasetName(f.dataset, f.dataDir, (l) => process.stderr.write(l + '\n'));
  const start = manifest?.cutMicrobatch ?? 0;
  if (start >= f.numMinibatches) throw new DynpipeError('E_USAGE', `--num-minibatches ${f.numMinibatches} ends before the checkpoint's microbatch ${start}`);
  const workerArgs = ['--dataset', dataset, '--backend', f.backend, '--recv-timeout-ms', String(f.recvTimeoutMs), '--rendezvous-timeout-ms', String(f.rendezvousTimeoutMs)];
  if (f.dataDir) workerArgs.push('--data-dir', resolve(f.dataDir));
  if (f.trainSamples) workerArgs.push('--train-samples', String(f.trainSamples));
  if (f.logDir) workerArgs.push('--log-dir', resolve(f.logDir));
  if (f.saveWeights) workerArgs.push('--save-weights', resolve(f.saveWeights));
  if (f.dumpDir) workerArgs.push('--dump-dir', resolve(f.dumpDir));
  const bar = createProgress('pipeline', f.numMinibatches - start, { enabled: f.progress, fields: 'loss {loss} plan v{version}' });
  let completed = start;
  let lastLoss = NaN;
  let version = manifest?.planVersion ?? 0;
  const say = (line: string) => {
    if (!f.quiet) process.stderr.write(line + '\n');
  };
  const decisionLog = f.decisionLog ? openDecisionLog(resolve(f.decisionLog)) : undefined;
  const policy = policyRunner(f.mode, f, plan, version, f.numMinibatches, (d) => decisionLog?.(d));
  process.stderr.write(`dynpipe launch: ${worldSize(plan)} ranks, ${numStages(plan)} stages [${plan.partition.join(', ')}] of ${plan.model.name}, microbatches [${start}, ${f.numMinibatches}) of ${plan.microbatch_size}, mode ${f.mode}\n`);
  const summary = await launchLocal({
    planPath,
    plan,
    numMinibatches: f.numMinibatches,
    workerArgs,
    rendezvousTimeoutMs: f.rendezvousTimeoutMs,
    heartbeatTimeoutMs: f.heartbeatTimeoutMs,
    killGraceMs: 2000,
    cpuSets: pinning?.cpuSets,
    rankArgs: (rank) => (netSpans(rank).length > 0 ? ['--net-delay', formatNetDelaySpans(netSpans(rank))] : []),
    onJobStart: (jobStartMs) => {
      jobStart = jobStartMs;
      if (!trace || trace.processes.length === 0) return;
      replay = startInterference(trace.processes, {
        jobStartMs,
        onChange: (what, e, atMs) => say(`dynpipe launch: interference ${formatInterferer(e.spec)} ${what === 'start' ? 'started' : 'stopped'} at ${(atMs / 1000).toFixed(1)} s`),
      });
    },
    mode: f.mode,
    masterPort: f.masterPort,
    resume: manifest ? { dir: resolve(f.resume!), cutMicrobatch: manifest.cutMicrobatch, planVersion: manifest.planVersion } : undefined,
    changes: {
      policy,
      scripted: await scriptedChanges(f.changeAt, plan),
      checkpointDir: f.checkpointDir ? resolve(f.checkpointDir) : undefined,
      timeoutMs: f.migrationTimeoutMs,
      onChange: (c) => {
        version = c.planVersion;
        say(`dynpipe launch: plan version ${c.planVersion} [${c.toPartition.join(', ')}] from microbatch ${c.cutAt} (${c.source}), pause ${c.pauseMs.toFixed(1)} ms`);
      },
    },
    onStats: (_rank, s) => {
      if (typeof s.loss !== 'number') return;
      completed = Math.max(completed, s.mb + 1);
      lastLoss = s.loss;
      bar.update(completed - start, { loss: lastLoss.toFixed(4), version });
    },
    onListening: (endpoint) => process.stderr.write(`dynpipe launch: coordinator at ${endpoint}\n`),
    say,
  }).finally(async () => {
    bar.stop();
    applied = (await replay?.stop()) ?? [];
    // net spans ran inside the ranks on the job clock; they count until the job ended
    const endMs = epochNowMs() - jobStart;
    for (const e of trace?.net ?? []) applied.push({ spec: e.spec, startMs: e.startS * 1000, endMs: Math.min(e.endS * 1000, endMs) });
  });
  if (f.logDir) {
    const dir = resolve(f.logDir);
    if (applied.length > 0) await appendInterferenceRows(dir, applied, worldSize(plan), pinning?.cores);
    const rows = await readRankLogs(dir);
    await writeFile(join(dir, SUMMARY_FILE_NAME), printSummary(summarizeRun(rows, { mode: f.mode, model: plan.model.name, microbatchSize: plan.microbatch_size })));
  }
  const busy = summary.busyFraction.map((b, r) => `rank ${r} ${(100 * b).toFixed(1)}%`).join(', ');
  const changes = summary.changes.map((c) => `v${c.planVersion} [${c.toPartition.join(', ')}] at mb ${c.cutAt} (${c.source}, pause ${c.pauseMs.toFixed(1)} ms)`).join('; ');
  process.stdout.write(
    `trained ${summary.microbatches} microbatches in ${summary.seconds.toFixed(1)} s: ${summary.samplesPerS.toFixed(1)} samples/s` +
      `${summary.finalLoss !== undefined ? `, final loss ${summary.finalLoss.toFixed(4)}` : ''}\nbusy: ${busy}\n` +
      (summary.changes.length > 0 ? `plan changes: ${changes}\n` : ''),
  );
}

export function register(program: Command): void {
  program
    .command('launch')
    .description('run the coordinator and every rank of a plan on this machine')
    .option('--plan <plan.json>', 'the plan to run (default: the checkpoint\'s with --resume, else the embedded 4-rank tinycnn plan, configs/default/plan.json)')
    .option('--num-minibatches <m>', 'microbatches to train (in total, a resumed job included)', intOption(1), 300)
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
    .option('--cpu-map <lists>', "taskset core list per rank: '0,0,1,1' (one core each) or ';'-separated lists ('0-1;2;3;3')")
    .option('--interference <trace.csv>', 'replay real interference (t_start,t_end,kind,target,intensity; seconds on the job clock); with --log-dir each rank an event hits gets an interference row')
    .addOption(new Option('--mode <mode>', 'pipedream: static plan; simple: proportional rebalance; dynpipe-re: predictor + planner, checkpoint and restart; dynpipe: predictor + planner, live migration').choices(['pipedream', 'simple', 'dynpipe-re', 'dynpipe']).default('pipedream'))
    .option('--master-port <port>', 'the coordinator\'s port on 127.0.0.1 (0: any free port; printed at start)', intOption(0, 65535), 0)
    .option('--window <microbatches>', 'microbatches per decision window', intOption(1), 20)
    .option('--warmup-windows <n>', 'windows skipped before calibrating block costs (without --profile)', intOption(0), 1)
    .option('--profile <profile.json>', 'block costs for the planner (default: calibrated from the first window after warm-up)')
    .option('--horizon <iterations>', 'iterations a predicted gain is counted for at most (default: the rest of the job)', intOption(1))
    .option('--confirm-windows <n>', 'consecutive windows a better plan must pay before it is applied', intOption(1), 2)
    .option('--dwell-ms <ms>', 'minimum time between two plan changes', intOption(0), 5000)
    .option('--margin <x>', 'benefit must exceed migration cost x (1 + margin)', floatOption(0), 0.2)
    .option('--simple-threshold <x>', 'simple mode: rebalance when a rank is this much slower than its baseline (0.25 = 25 %)', floatOption(0.001), 0.25)
    .option('--bandwidth <GB/s>', 'link bandwidth the planner and the migration cost assume', floatOption(1e-6), 1)
    .option('--max-replicas <n>', 'replicas per stage the planner may use', intOption(1), 1)
    .addOption(new Option('--objective <kind>', 'planner objective').choices(['pipedream', 'dynpipe']).default('dynpipe'))
    .option('--staleness-weight <w>', 'dynpipe objective: price of weight staleness', floatOption(0), 0)
    .option('--migration-cost-ms <ms>', 'fixed cost of a plan change until one was measured (default 50 live, 5000 restart)', floatOption(0))
    .option('--no-policy', 'never repartition on its own (only --change-at and dynpipe repartition)')
    .option('--decision-log <file.csv>', 'one CSV row per decision window, with the numbers behind it')
    .option('--checkpoint-dir <dir>', 'checkpoint every cut here (needed by dynpipe-re; dynpipe then checkpoints before migrating)')
    .option('--resume <dir>', 'continue a job from a complete checkpoint (written at a cut)')
    .option('--change-at <mb:plan.json>', 'change to plan.json at microbatch mb (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--migration-timeout-ms <ms>', 'deadline of every phase of a plan change', intOption(1), 60_000)
    .option('--dump-dir <dir>', 'diagnostics: after each plan change every rank writes its state to <dir>/post-v<version>/')
    .action((f: LaunchFlags) => run(f));
}
