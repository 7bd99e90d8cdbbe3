/**
 * `dynpipe figures <name|all> --logs DIR [--logs DIR2 ...] --out DIR [--format svg|png|both]`:
 * renders figures from run logs. A thin shell: flags -> loadRuns -> writeFigures -> file list.
 */
import { SingleBar } from 'cli-progress';
import { Option, type Command } from 'commander';
import { FIGURES, findFigure, type FigureEntry } from '../../../figures/catalog.js';
import { DEJAVU_FONT_FILES, missingFonts } from '../../../figures/fonts.js';
import type { FigureFormat } from '../../../figures/write-figures.js';
import { DynpipeError } from '../../errors.js';
import { floatOption, intOption } from '../options.js';

interface FiguresFlags {
  logs: string[];
  out: string;
  format: FigureFormat;
  scale: number;
  window: number;
  progress?: boolean;
}

function figureList(): string {
  const width = Math.max(...FIGURES.map((f) => f.name.length));
  return ['', 'Figures:', ...FIGURES.map((f) => `  ${f.name.padEnd(width)}  ${f.description}`), `  ${'all'.padEnd(width)}  every figure the logs have data for`].join('\n');
}

function selectFigures(name: string): FigureEntry[] {
  if (name === 'all') return [...FIGURES];
  const figure = findFigure(name);
  if (!figure) throw new DynpipeError('E_USAGE', `unknown figure '${name}' (expected one of ${FIGURES.map((f) => f.name).join(', ')}, or all)`);
  return [figure];
}

async function run(name: string, flags: FiguresFlags): Promise<void> {
  const figures = selectFigures(name);
  if (flags.format !== 'svg') {
    const missing = missingFonts(DEJAVU_FONT_FILES);
    if (missing.length) throw new DynpipeError('E_IO', `font ${missing[0]} not found: install the Debian package fonts-dejavu-core (or use --format svg)`);
  }
  // vega, vega-lite and resvg load here, not when the CLI starts for another command
  const [{ loadRuns }, { writeFigures }] = await Promise.all([import('../../../figures/load-runs.js'), import('../../../figures/write-figures.js')]);
  const runs = await loadRuns(flags.logs);
  const bar = process.stderr.isTTY || flags.progress ? new SingleBar({ stream: process.stderr, format: 'figures [{bar}] {value}/{total} {figure}', noTTYOutput: true }) : null;
  bar?.start(figures.length, 0, { figure: '' });
  let result;
  try {
    result = await writeFigures(runs, figures, {
      outDir: flags.out,
      format: flags.format,
      png: { fontFiles: DEJAVU_FONT_FILES, scale: flags.scale },
      figure: { windowIterations: flags.window },
      skipMissingData: name === 'all',
      onFigureDone: (figure) => bar?.increment({ figure }),
    });
  } finally {
    bar?.stop();
  }
  for (const s of result.skipped) process.stderr.write(`dynpipe: skipped ${s.reason}\n`);
  if (result.written.length === 0) throw new DynpipeError('E_DATA', `no figure could be drawn from ${flags.logs.join(', ')}`);
  for (const path of result.written) process.stdout.write(`${path}\n`);
}

export function register(program: Command): void {
  program
    .command('figures')
    .description('render figures (SVG and/or PNG) from run logs: rank-<r>.csv files, plus summary.json for throughput')
    .argument('<name>', "a figure name (listed below) or 'all'")
    .requiredOption('--logs <dir...>', 'log directory of one run; repeat (or list several) to compare runs')
    .requiredOption('--out <dir>', 'directory to write <figure>.svg / <figure>.png into (created if missing)')
    .addOption(new Option('--format <format>', 'output format').choices(['svg', 'png', 'both']).default('both'))
    .option('--scale <factor>', 'PNG pixels per SVG unit', floatOption(0.25, 8), 2)
    .option('--window <iterations>', 'iterations averaged per point of iteration-time', intOption(1), 1)
    .option('--progress', 'show a progress bar even when stderr is not a terminal')
    .addHelpText('after', figureList())
    .action((name: string, flags: FiguresFlags) => run(name, flags));
}
