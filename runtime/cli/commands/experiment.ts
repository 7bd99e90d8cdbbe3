/**
 * `dynpipe experiment <name> [--scale tiny|small|full] [--out DIR]`: a scripted scenario that runs
 * the four modes (pipedream, simple, dynpipe-re, dynpipe) on the same model, data, seed and
 * interference trace, then writes per-run logs, experiment.json and the figures
 * (runtime/experiment/run-experiment.ts). A thin shell: flags -> scenario -> runExperiment -> table.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { Command, Option } from 'commander';
import { DynpipeError } from '../../errors.js';
import { findOnPath } from '../../../profile/interfere/spawn.js';
import { formatExperimentTable } from '../../experiment/experiment-summary.js';
import { runExperiment } from '../../experiment/run-experiment.js';
import { EXPERIMENT_NAMES, SCALES, scenario, type ExperimentName, type Scale } from '../../experiment/scenarios.js';
import { defaultDatasetName } from '../default-dataset.js';
import { createProgress } from '../progress.js';

interface ExperimentFlags {
  scale: Scale;
  out?: string;
  dataset?: string;
  dataDir?: string;
  backend: string;
  progress?: boolean;
  verbose?: boolean;
  interference: 'real' | 'emulated';
}

const ABOUT: Record<ExperimentName, string> = {
  ttacc: 'time to a target test accuracy on Fashion-MNIST under a heavy interferer on the first ranks (DynPipe Fig 9)',
  throughput: 'throughput of two model widths x four modes under a heavy interferer (Fig 10, 11)',
  'interference-trace': 'iteration time through a trace: heavy on the first ranks, then on the last, then light (Fig 12)',
  'light-heavy': 'iteration time under light, then heavy interference (Fig 13)',
};

const SCALE_TEXT: Record<Scale, string> = {
  tiny: 'smoke run, seconds per mode (tests): 2 ranks of mlp(hidden 64, 3 layers), 16 microbatches',
  small: 'the 2-core dev box, minutes: 2 ranks of mlp(hidden 512, 7 layers), one per core',
  full: 'the 16-core GPU node (its CPUs, wasm): 8 ranks of mlp(hidden 512, 15 layers), one core each',
};

function helpText(): string {
  const w = Math.max(...EXPERIMENT_NAMES.map((n) => n.length));
  return [
    '', 'Experiments:', ...EXPERIMENT_NAMES.map((n) => `  ${n.padEnd(w)}  ${ABOUT[n]}`),
    '', 'Scales:', ...SCALES.map((s) => `  ${s.padEnd(w)}  ${SCALE_TEXT[s]}`),
    '', 'Writes OUT/<run>/ (rank logs, summary.json, plan.json, decisions.csv), OUT/experiment.json and OUT/<figure>.png/.svg.',
  ].join('\n');
}

function machine(): string {
  const load = loadavg().map((x) => x.toFixed(1)).join(' ');
  return `${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown cpu'}), load average ${load} at start, Node ${process.version}`;
}

async function run(name: string, f: ExperimentFlags): Promise<void> {
  if (!(EXPERIMENT_NAMES as readonly string[]).includes(name)) {
    throw new DynpipeError('E_USAGE', `unknown experiment '${name}' (expected one of ${EXPERIMENT_NAMES.join(', ')})`);
  }
  const experiment = name as ExperimentName;
  const say = (line: string): void => void process.stderr.write(line + '\n');
  const dataset = defaultDatasetName(f.dataset, f.dataDir, say);
  if (experiment === 'ttacc' && f.scale !== 'tiny' && f.dataset === undefined && dataset !== 'fashion-mnist') {
    throw new DynpipeError('E_USAGE', 'ttacc trains on real Fashion-MNIST: apt-get install dataset-fashion-mnist, or give --data-dir (or --dataset to use another)');
  }
  const canPin = findOnPath('taskset') !== null;
  if (!canPin) say('dynpipe experiment: taskset not found; ranks run unpinned and the interference rows cannot name the ranks hit');
  if (f.interference === 'real' && loadavg()[0] >= Math.max(1, availableParallelism() / 2)) {
    say(`dynpipe experiment: load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores; the kernel may move that other work off the interfered cores onto the other ranks (--interference emulated avoids it)`);
  }
  const s = scenario(experiment, f.scale, { dataset, dataDir: f.dataDir, backend: f.backend, canPin, interference: f.interference });
  const out = f.out ?? `dynpipe-experiment-${experiment}-${f.scale}`;
  say(`dynpipe experiment ${experiment} (${f.scale}): ${s.workload}\n  interference: ${s.interferenceText}\n  ${s.runs.length} runs into ${out}/`);
  const totals = s.runs.map((r) => r.workload.microbatches);
  const bar = createProgress('experiment', totals.reduce((a, b) => a + b, 0), { enabled: f.progress, fields: '{run} {phase}' });
  const result = await runExperiment({
    scenario: s,
    outDir: out,
    command: `dynpipe experiment ${process.argv.slice(3).join(' ')}`.trim(),
    machine: machine(),
    dataDir: f.dataDir,
    onProgress: (p) => {
      const before = totals.slice(0, p.run).reduce((a, b) => a + b, 0);
      const phase = p.phase === 'eval' ? `accuracy ${p.done}/${p.total}` : `plan v${p.train?.planVersion ?? 0}${p.train?.interference ? ' interference' : ''}`;
      bar.update(before + (p.phase === 'train' ? p.done : totals[p.run]), { run: `${p.run + 1}/${p.runs} ${p.name}`, phase });
    },
    say: (line) => (f.verbose || line.startsWith('dynpipe') ? say(line) : undefined),
  }).finally(() => bar.stop());
  process.stdout.write(`${formatExperimentTable(result.summary)}\n`);
  for (const sk of result.figures.skipped) say(`dynpipe experiment: skipped ${sk.reason}`);
  for (const path of result.figures.written) process.stdout.write(`figure: ${path}\n`);
  process.stdout.write(`summary: ${out}/experiment.json\n`);
}

export function register(program: Command): void {
  program
    .command('experiment')
    .description('run all four modes on one scenario (same model, data, seed, interference), then write logs, experiment.json and figures')
    .argument('<name>', `experiment: ${EXPERIMENT_NAMES.join(', ')}`)
    .addOption(new Option('--scale <scale>', 'how big (see below)').choices([...SCALES]).default('small'))
    .option('--out <dir>', 'output directory (default: dynpipe-experiment-<name>-<scale>)')
    .option('--dataset <name>', 'training dataset (default: fashion-mnist if installed, else synthetic-image; ttacc requires real data unless given)')
    .option('--data-dir <dir>', 'directory of the dataset files')
    .addOption(new Option('--backend <name>', 'compute backend of every rank').choices(['wasm', 'cpu', 'webgpu', 'auto']).default('wasm'))
    .addOption(new Option('--interference <kind>', 'real: busy processes pinned beside the ranks, on the trace (seconds); emulated: the same phases as slowdowns of those ranks (microbatch ranges), for a busy shared machine').choices(['real', 'emulated']).default('real'))
    .option('--progress', 'show the progress bar even when stderr is not a terminal')
    .option('--verbose', 'stream every worker line')
    .addHelpText('after', helpText())
    .action((name: string, f: ExperimentFlags) => run(name, f));
}
