/**
 * `dynpipe launch`: coordinator + every rank of a plan on this machine, one progress bar for the
 * whole pipeline, worker errors streamed with their rank, a summary at the end (and summary.json
 * in the log directory), and a non-zero exit if any rank fails. `--mode` picks how the plan may
 * change while training (pipedream: never). Checkpoints, resume and relaunch after a failed rank:
 * launch/recovering-launch.ts (docs/reliability.md); `--curve-keys` authenticates every socket.
 * `--dashboard` serves a live view of the job (runtime/dashboard/), fed in-process with what the
 * coordinator hears.
 */
import { join, resolve } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { readRankLogs } from '../../log/rank-log-files.js';
import { summarizeRun } from '../../log/summarize.js';
import { printSummary, SUMMARY_FILE_NAME } from '../../log/summary.js';
import { launchRecovering } from '../../launch/recovering-launch.js';
import { openCheckpoint } from '../../checkpoint/checkpoint-store.js';
import { resumedPlanVersion } from '../../checkpoint/resume-plan.js';
import { numStages, worldSize, type Plan } from '../../plan/plan.js';
import { DynpipeError } from '../../errors.js';
import { intOption } from '../options.js';
import { readPlanFile } from '../plan-file.js';
import { createProgress } from '../progress.js';
import { type PolicyFlags, addRepartitionOptions, checkRepartitionFlags, planChangesFrom } from '../repartition-setup.js';
import { defaultDatasetName } from '../default-dataset.js';
import { readKeyDir } from '../../transport/key-files.js';
import { LiveDashboard } from '../../dashboard/live.js';
import { DEFAULT_LISTEN, parseListenAddress } from '../../dashboard/listen-address.js';
import { BENCH_SLOW_ENV, parseSlowSpans } from '../../worker/bench-slowdown.js';
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
  masterPort: number;
  resume?: string;
  dumpDir?: string;
  cpusPerRank?: number;
  curveKeys?: string;
  checkpointEvery?: number;
  checkpointKeep: number;
  restartOnFailure: number;
  /** true: --dashboard without a value (loopback, a free port). */
  dashboard?: string | true;
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
  checkRepartitionFlags(f);
  if (f.checkpointEvery !== undefined && f.checkpointDir === undefined) throw new DynpipeError('E_USAGE', '--checkpoint-every needs --checkpoint-dir (where the checkpoints go)');
  const resumed = f.resume ? await openCheckpoint(resolve(f.resume)) : undefined;
  for (const s of resumed?.skipped ?? []) process.stderr.write(`dynpipe launch: checkpoint ${s.dir} skipped: ${s.reason}\n`);
  // Without --plan a resumed job runs the checkpoint's plan (recovering-launch.ts hands the ranks a copy).
  const planPath = f.plan ? resolve(f.plan) : DEFAULT_PLAN;
  const plan: Plan = f.plan || !resumed ? await readPlanFile(planPath) : resumed.set.manifest.plan;
  const pinning = rankPinning(f, worldSize(plan));
  const trace = f.interference ? readTrace(f.interference, worldSize(plan)) : undefined;
  const netSpans = (rank: number) => (trace?.net ?? []).filter((e) => e.spec.kind === 'net' && e.spec.rank === rank).map((e) => ({ fromMs: e.startS * 1000, toMs: e.endS * 1000, intensity: e.spec.intensity }));
  let jobStart = 0;
  let replay: InterferenceReplay | undefined;
  let applied: AppliedInterference[] = [];
  const dataset = defaultDatasetName(f.dataset, f.dataDir, (l) => process.stderr.write(l + '\n'));
  const start = resumed?.set.manifest.cutMicrobatch ?? 0;
  if (start >= f.numMinibatches) throw new DynpipeError('E_USAGE', `--num-minibatches ${f.numMinibatches} ends at or before the checkpoint's microbatch ${start}`);
  const workerArgs = ['--dataset', dataset, '--backend', f.backend, '--recv-timeout-ms', String(f.recvTimeoutMs), '--rendezvous-timeout-ms', String(f.rendezvousTimeoutMs)];
  if (f.dataDir) workerArgs.push('--data-dir', resolve(f.dataDir));
  if (f.trainSamples) workerArgs.push('--train-samples', String(f.trainSamples));
  if (f.logDir) workerArgs.push('--log-dir', resolve(f.logDir));
  if (f.saveWeights) workerArgs.push('--save-weights', resolve(f.saveWeights));
  if (f.dumpDir) workerArgs.push('--dump-dir', resolve(f.dumpDir));
  if (f.predictor && f.mode !== 'pipedream') workerArgs.push('--host-stats-every', String(f.window));
  const curve = f.curveKeys ? await readKeyDir(f.curveKeys) : undefined;
  if (f.curveKeys) workerArgs.push('--curve-keys', resolve(f.curveKeys));
  const bar = createProgress('pipeline', f.numMinibatches - start, { enabled: f.progress, fields: 'loss {loss} plan v{version}' });
  let completed = start;
  let lastLoss = NaN;
  let version = resumed ? resumedPlanVersion(resumed.set.manifest, plan) : 0;
  const say = (line: string) => {
    if (!f.quiet) process.stderr.write(line + '\n');
  };
  const dashboard = f.dashboard === undefined ? undefined : await openDashboard(f.dashboard, plan, version, start, f);
  process.stderr.write(
    `dynpipe launch: ${worldSize(plan)} ranks, ${numStages(plan)} stages [${plan.partition.join(', ')}] of ${plan.model.name}, microbatches [${start}, ${f.numMinibatches}) of ${plan.microbatch_size}, mode ${f.mode}` +
      `${resumed ? `, resuming from ${resumed.set.dir} at microbatch ${start}` : ''}\n`,
  );
  const summary = await launchRecovering({
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
      // the trace runs on the first attempt's clock; a relaunch after a failed rank does not restart it
      if (replay || jobStart) return;
      jobStart = jobStartMs;
      if (!trace || trace.processes.length === 0) return;
      replay = startInterference(trace.processes, {
        jobStartMs,
        onChange: (what, e, atMs) => say(`dynpipe launch: interference ${formatInterferer(e.spec)} ${what === 'start' ? 'started' : 'stopped'} at ${(atMs / 1000).toFixed(1)} s`),
      });
    },
    mode: f.mode,
    masterPort: f.masterPort,
    curve,
    onStats: (rank, s) => {
      dashboard?.stats(rank, s);
      if (typeof s.loss !== 'number') return;
      completed = Math.max(completed, s.mb + 1);
      lastLoss = s.loss;
      bar.update(completed - start, { loss: lastLoss.toFixed(4), version });
    },
    onListening: (endpoint) => process.stderr.write(`dynpipe launch: coordinator at ${endpoint}\n`),
    say,
  }, {
    checkpointDir: f.checkpointDir ? resolve(f.checkpointDir) : undefined,
    checkpointEvery: f.checkpointEvery,
    checkpointKeep: f.checkpointKeep,
    start: resumed?.set,
    planGiven: f.plan !== undefined,
    restarts: f.restartOnFailure,
    // Each attempt (a relaunch after a failed rank included) decides from the plan it starts under.
    changesFor: async (p, v) => ({
      ...(await planChangesFrom(f, p, v, f.numMinibatches, (d) => dashboard?.decision(d))),
      onChange: (c) => {
        dashboard?.change(c);
        version = c.planVersion;
        say(`dynpipe launch: plan version ${c.planVersion} [${c.toPartition.join(', ')}] from microbatch ${c.cutAt} (${c.source}), pause ${c.pauseMs.toFixed(1)} ms`);
      },
    }),
  })
    .then((s) => {
      dashboard?.end(true, `trained ${s.microbatches} microbatches in ${s.seconds.toFixed(1)} s: ${s.samplesPerS.toFixed(1)} samples/s`);
      return s;
    })
    .catch((e: unknown) => {
      dashboard?.end(false, (e as Error).message);
      throw e;
    })
    .finally(async () => {
      bar.stop();
      await dashboard?.close();
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

/** Starts the live dashboard (a failure says one line and the job runs without it) and prints its URL. */
async function openDashboard(at: string | true, plan: Plan, planVersion: number, start: number, f: LaunchFlags): Promise<LiveDashboard | undefined> {
  const listen = at === true ? DEFAULT_LISTEN : parseListenAddress(at, '--dashboard');
  const slow = process.env[BENCH_SLOW_ENV];
  const d = await LiveDashboard.start({
    listen,
    run: { name: `${plan.model.name} ${f.mode}`, model: plan.model.name, mode: f.mode, microbatchSize: plan.microbatch_size, worldSize: worldSize(plan), firstMicrobatch: start, numMinibatches: f.numMinibatches },
    plan,
    planVersion,
    slowSpans: slow ? parseSlowSpans(slow) : undefined,
    say: (line) => process.stderr.write(`dynpipe launch: ${line}\n`),
  });
  if (d) process.stderr.write(`dynpipe launch: dashboard at ${d.url}\n`);
  return d;
}

export function register(program: Command): void {
  const cmd = program
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
    .option('--master-port <port>', 'the coordinator\'s port on 127.0.0.1 (0: any free port; printed at start)', intOption(0, 65535), 0)
    .option('--curve-keys <dir>', 'authenticate and encrypt every socket with the job\'s CURVE keys (dynpipe keys generate)')
    .option('--checkpoint-dir <dir>', 'checkpoint store: a set at every plan change\'s cut (needed by dynpipe-re; dynpipe then checkpoints before migrating) and, with --checkpoint-every, periodic ones')
    .option('--checkpoint-every <k>', 'drain the pipeline and checkpoint after every k microbatches', intOption(1))
    .option('--checkpoint-keep <n>', 'complete checkpoints kept (older ones are deleted)', intOption(1), 3)
    .option('--resume <dir>', 'continue from a checkpoint: a store (its newest complete set) or one set; without --plan, under the checkpoint\'s plan')
    .option('--restart-on-failure <n>', 'relaunch every rank from the newest complete checkpoint when a rank dies or goes silent, up to n times', intOption(0), 0)
    .option('--dump-dir <dir>', 'diagnostics: after each plan change every rank writes its state to <dir>/post-v<version>/')
    .option('--dashboard [host:port]', 'serve a live dashboard (read-only) of this job; default 127.0.0.1 and a free port, URL printed at start; any other host needs the token in that URL');
  addRepartitionOptions(cmd);
  cmd.action((f: LaunchFlags) => run(f));
}
