/** Builds, renders and writes figures for a set of runs: `<outDir>/<name>.svg` and/or `.png`. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DynpipeError, isDynpipeError } from '../runtime/errors.js';
import type { FigureEntry, FigureOptions } from './catalog.js';
import type { Run } from './data.js';
import { specToSvg, svgToPng, type PngOptions } from './render.js';

export type FigureFormat = 'svg' | 'png' | 'both';

export interface WriteFiguresOptions {
  outDir: string;
  format: FigureFormat;
  png: PngOptions;
  figure: FigureOptions;
  /** When true, a figure the runs lack data for is skipped (reason returned) instead of failing. */
  skipMissingData: boolean;
  /** Called after each figure, written or skipped. */
  onFigureDone?: (name: string) => void;
}

export interface WriteFiguresResult {
  written: string[];
  skipped: Array<{ name: string; reason: string }>;
}

export async function writeFigures(runs: readonly Run[], figures: readonly FigureEntry[], o: WriteFiguresOptions): Promise<WriteFiguresResult> {
  try {
    await mkdir(o.outDir, { recursive: true });
  } catch (e) {
    throw new DynpipeError('E_IO', `cannot create --out ${o.outDir}: ${(e as Error).message}`, { cause: e });
  }
  const result: WriteFiguresResult = { written: [], skipped: [] };
  for (const figure of figures) {
    let spec;
    try {
      spec = figure.build(runs, o.figure);
    } catch (e) {
      if (!(o.skipMissingData && isDynpipeError(e, 'E_DATA'))) throw e;
      result.skipped.push({ name: figure.name, reason: e.message });
      o.onFigureDone?.(figure.name);
      continue;
    }
    const svg = await specToSvg(spec);
    const files: Array<[string, string | Buffer]> = [];
    if (o.format !== 'png') files.push([join(o.outDir, `${figure.name}.svg`), svg]);
    if (o.format !== 'svg') files.push([join(o.outDir, `${figure.name}.png`), svgToPng(svg, o.png)]);
    for (const [path, content] of files) {
      await writeFile(path, content).catch((e: Error) => {
        throw new DynpipeError('E_IO', `cannot write ${path}: ${e.message}`, { cause: e });
      });
      result.written.push(path);
    }
    o.onFigureDone?.(figure.name);
  }
  return result;
}
