/**
 * The figures of a demo or experiment, drawn from its runs' log directories with the figure
 * scripts of figures/ (never from numbers typed in here). PNG and SVG; SVG only when the DejaVu
 * fonts resvg needs are missing (said once on `say`). A figure the runs lack data for (e.g.
 * plan-changes without any repartition) is skipped and returned with the reason.
 */
import { DynpipeError } from '../errors.js';

export interface DrawnFigures {
  written: string[];
  skipped: Array<{ name: string; reason: string }>;
}

export async function drawFigures(
  runDirs: readonly string[],
  names: readonly string[],
  outDir: string,
  o: { windowIterations: number; say(line: string): void },
): Promise<DrawnFigures> {
  // vega, vega-lite and resvg load here, not when the CLI starts
  const [{ loadRuns }, { writeFigures }, { findFigure }, { DEJAVU_FONT_FILES, missingFonts }] = await Promise.all([
    import('../../figures/load-runs.js'),
    import('../../figures/write-figures.js'),
    import('../../figures/catalog.js'),
    import('../../figures/fonts.js'),
  ]);
  const figures = names.map((n) => {
    const f = findFigure(n);
    if (!f) throw new DynpipeError('E_USAGE', `figure ${n} is not in the catalog (figures/catalog.ts)`);
    return f;
  });
  const svgOnly = missingFonts(DEJAVU_FONT_FILES).length > 0;
  if (svgOnly) o.say('dynpipe: DejaVu fonts not found (Debian package fonts-dejavu-core); writing SVG figures only');
  return writeFigures(await loadRuns(runDirs), figures, {
    outDir,
    format: svgOnly ? 'svg' : 'both',
    png: { fontFiles: DEJAVU_FONT_FILES, scale: 2 },
    figure: { windowIterations: o.windowIterations },
    skipMissingData: true,
  });
}
