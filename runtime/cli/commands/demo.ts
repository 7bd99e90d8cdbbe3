/**
 * `dynpipe demo`: the whole story in one command on this machine. A 4-rank tinycnn pipeline
 * (configs/tinycnn/ranks=4/straight.json, started from the split [2, 1, 1, 1]) on Fashion-MNIST if
 * installed, else synthetic images; ranks pinned two per core (0,0,1,1); a real cpu interferer at
 * full intensity on core 0 from 25% to 75% of the microbatches (so ranks 0 and 1, which hold the
 * three costly blocks, slow down); `--mode dynpipe` notices and moves blocks to ranks 2 and 3.
 *
 * Why that start and that core: on two shared cores the controller itself prefers [2, 1, 1, 1]
 * when nothing interferes (measured: it moved there from [1, 1, 1, 2] before any burst), so
 * starting there keeps a migration in the demo a response to the burst, not to the start plan;
 * loading core 1 instead would slow ranks 2 and 3, which then hold one cheap block each, and no
 * split could help.
 * At the end: a summary computed from the rank logs (demo-report.ts) and DIR/iteration-time.png
 * (+ .svg) with the interference shaded and the migration marked.
 *
 * The burst follows training progress, not the clock, so it lands in the middle of the run however
 * loaded the machine is. Decision flags (window, confirm, dwell) are the demo's own, tuned so the
 * controller can act within the burst; `dynpipe launch` keeps its defaults.
 */
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { DynpipeError } from '../../errors.js';
import { launchLocal } from '../../launch/local-launcher.js';
import { parseCpuMap } from '../../launch/cpu-map.js';
import { startInterference, type InterferenceReplay } from '../../launch/interference-replay.js';
import { appendInterferenceRows } from '../../launch/interference-log.js';
import type { AppliedInterference } from '../../launch/interference-rows.js';
import { readRankLogs } from '../../log/rank-log-files.js';
import { summarizeRun } from '../../log/summarize.js';
import { printSummary, SUMMARY_FILE_NAME } from '../../log/summary.js';
import { numStages, printPlan, validatePlan, worldSize } from '../../plan/plan.js';
import type { InterfererSpec } from '../../../predictor/mix.js';
import { findOnPath } from '../../../profile/interfere/spawn.js';
import { defaultDatasetName } from '../default-dataset.js';
import { demoReport, formatDemoReport } from '../demo-report.js';
import { readPlanFile } from '../plan-file.js';
import { createProgress } from '../progress.js';
import { policyRunner, type PolicyFlags } from '../repartition-setup.js';
import { DEFAULT_NOISE } from '../../coordinator/controller.js';

const DEMO_PLAN = fileURLToPath(new URL('../../../../configs/tinycnn/ranks=4/straight.json', import.meta.url));
/** Blocks per stage the demo starts from (see the module comment). */
const START_PARTITION = [2, 1, 1, 1];

/** Microbatches of a run and the controller's window at each scale. */
export const DEMO_SCALES = {
  small: { microbatches: 100, window: 5, trainSamples: 3200 },
  full: { microbatches: 240, window: 8, trainSamples: 7680 },
} as const;
export type DemoScale = keyof typeof DEMO_SCALES;

/** The burst covers last-stage completions in [BURST_FROM, BURST_TO) of the run. */
const BURST_FROM = 0.25;
const BURST_TO = 0.75;

interface DemoFlags {
  out: string;
  scale: DemoScale;
  mode: 'dynpipe' | 'pipedream';
  progress?: boolean;
  backend: string;
}

/**
 * The decision flags the demo runs the controller with (see the module comment): short windows,
 * one confirming window, 2 s dwell, so it can act within a burst of a few windows. Measured on a
 * loaded 2-core box: stricter settings (confirm 2, 20-40 iteration horizon) did not migrate at all
 * in the burst; these always migrated, but sometimes before the burst, on noise.
 */
function demoPolicy(mode: DemoFlags['mode'], window: number): PolicyFlags {
  return {
    mode,
    window,
    warmupWindows: 1,
    confirmWindows: 1,
    dwellMs: 2000,
    margin: 0.1,
    noise: DEFAULT_NOISE,
    simpleThreshold: 0.25,
    bandwidth: 1,
    maxReplicas: 1,
    objective: 'dynpipe',
    stalenessWeight: 0,
    policy: true,
    changeAt: [],
    migrationTimeoutMs: 60_000,
  };
}

async function run(f: DemoFlags): Promise<void> {
  const scale = DEMO_SCALES[f.scale];
  const out = resolve(f.out);
  const logDir = join(out, 'logs');
  const base = await readPlanFile(DEMO_PLAN);
  const plan = validatePlan({ ...base, partition: START_PARTITION, predicted: undefined }, `${DEMO_PLAN} with partition [${START_PARTITION.join(', ')}]`);
  const planPath = join(out, 'plan.json');
  await mkdir(out, { recursive: true });
  await writeFile(planPath, printPlan(plan));
  const ranks = worldSize(plan);
  const twoCores = availableParallelism() >= 2;
  const pinning = parseCpuMap(twoCores ? '0,0,1,1' : '0,0,0,0', ranks);
  const burstCore = 0;
  const canPin = findOnPath('taskset') !== null;
  const say = (line: string): void => void process.stderr.write(line + '\n');
  if (!canPin) say('dynpipe demo: taskset not found; ranks run unpinned, so the interferer hits whichever ranks share its core');
  const dataset = defaultDatasetName(undefined, undefined, say);
  const burst: InterfererSpec = { kind: 'cpu', intensity: 1, cores: [burstCore] };
  const from = Math.ceil(scale.microbatches * BURST_FROM);
  const to = Math.ceil(scale.microbatches * BURST_TO);
  say(
    `dynpipe demo: ${ranks} ranks, ${numStages(plan)} stages [${plan.partition.join(', ')}] of ${plan.model.name} on ${dataset}, ` +
      `${scale.microbatches} microbatches, mode ${f.mode}; cpu interferer on core ${burstCore} for microbatches [${from}, ${to})`,
  );
  const bar = createProgress('demo', scale.microbatches, { enabled: f.progress, fields: 'loss {loss} plan v{version} {phase}' });
  let jobStartMs = 0;
  let replay: InterferenceReplay | undefined;
  let stopping: Promise<AppliedInterference[]> | undefined;
  let version = 0;
  let completed = 0;
  let lastLoss = NaN;
  let phase = 'quiet';
  const policy = policyRunner(f.mode, demoPolicy(f.mode, scale.window), plan, 0, scale.microbatches, () => undefined);
  const summary = await launchLocal({
    planPath,
    plan,
    numMinibatches: scale.microbatches,
    workerArgs: ['--dataset', dataset, '--backend', f.backend, '--train-samples', String(scale.trainSamples), '--log-dir', logDir, '--recv-timeout-ms', '30000', '--rendezvous-timeout-ms', '120000'],
    rendezvousTimeoutMs: 120_000,
    heartbeatTimeoutMs: 20_000,
    killGraceMs: 2000,
    cpuSets: canPin ? pinning.cpuSets : undefined,
    mode: f.mode,
    changes: { policy, scripted: [], timeoutMs: 60_000, onChange: (c) => (version = c.planVersion) },
    onJobStart: (ms) => (jobStartMs = ms),
    onStats: (_rank, s) => {
      if (typeof s.loss !== 'number') return;
      completed = Math.max(completed, s.mb + 1);
      lastLoss = s.loss;
      if (completed >= from && !replay) {
        replay = startInterference([{ line: 0, startS: 0, endS: Infinity, spec: burst }], { jobStartMs });
        phase = 'interference';
      }
      if (completed >= to && replay && !stopping) {
        stopping = replay.stop();
        phase = 'quiet';
      }
      bar.update(completed, { loss: lastLoss.toFixed(4), version, phase });
    },
    say: (line) => (f.progress || process.stderr.isTTY ? undefined : say(line)),
  }).finally(async () => {
    bar.stop();
    await (stopping ?? replay?.stop());
  });
  const applied = (await stopping) ?? [];
  if (applied.length > 0) await appendInterferenceRows(logDir, applied, ranks, pinning.cores);
  const rows = await readRankLogs(logDir);
  await writeFile(join(logDir, SUMMARY_FILE_NAME), printSummary(summarizeRun(rows, { mode: f.mode, model: plan.model.name, microbatchSize: plan.microbatch_size })));
  const figures = await writeIterationFigure(logDir, out);
  process.stdout.write(`${formatDemoReport(demoReport(rows, plan.microbatch_size))}\n`);
  for (const path of figures) process.stdout.write(`figure: ${path}\n`);
  if (summary.changes.length === 0 && f.mode === 'dynpipe') say('dynpipe demo: the controller did not migrate in this run (the machine may be too loaded for the slowdown to stand out)');
}

/** DIR/iteration-time.png and .svg (svg only when the DejaVu fonts are missing); returns the paths. */
async function writeIterationFigure(logDir: string, out: string): Promise<string[]> {
  const [{ loadRuns }, { writeFigures }, { findFigure }, { DEJAVU_FONT_FILES, missingFonts }] = await Promise.all([
    import('../../../figures/load-runs.js'),
    import('../../../figures/write-figures.js'),
    import('../../../figures/catalog.js'),
    import('../../../figures/fonts.js'),
  ]);
  const figure = findFigure('iteration-time');
  if (!figure) throw new DynpipeError('E_USAGE', 'figure iteration-time is missing from the catalog');
  const svgOnly = missingFonts(DEJAVU_FONT_FILES).length > 0;
  if (svgOnly) process.stderr.write('dynpipe demo: DejaVu fonts not found (Debian package fonts-dejavu-core); writing the SVG only\n');
  const result = await writeFigures(await loadRuns([logDir]), [figure], {
    outDir: out,
    format: svgOnly ? 'svg' : 'both',
    png: { fontFiles: DEJAVU_FONT_FILES, scale: 2 },
    figure: { windowIterations: 1 },
    skipMissingData: false,
  });
  return result.written;
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('4-rank pipeline on this machine with a cpu interference burst part-way; dynpipe migrates; prints a summary and draws iteration-time.png')
    .option('--out <dir>', 'where logs/ (rank CSVs, summary.json) and iteration-time.png/.svg go', 'dynpipe-demo')
    .addOption(new Option('--scale <scale>', `small: ${DEMO_SCALES.small.microbatches} microbatches (CI); full: ${DEMO_SCALES.full.microbatches}`).choices(['small', 'full']).default('full'))
    .addOption(new Option('--mode <mode>', 'dynpipe: live migration; pipedream: the static plan, for comparison').choices(['dynpipe', 'pipedream']).default('dynpipe'))
    .addOption(new Option('--backend <name>', 'compute backend of every rank').choices(['auto', 'wasm', 'cpu', 'webgpu']).default('auto'))
    .option('--progress', 'show the progress bar even when stderr is not a terminal')
    .action((f: DemoFlags) => run(f));
}
