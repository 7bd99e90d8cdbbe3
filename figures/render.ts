/**
 * Headless rendering without a browser or canvas: vega-lite spec -> vega spec (vega-lite compile)
 * -> vega View with renderer 'none' -> SVG text -> PNG via resvg.
 *
 * resvg draws text only with fonts it is given: we load exactly `fontFiles` (no system scan) and
 * map every family, including the generic ones vega may emit, to DejaVu Sans. Without the files
 * the PNG would silently have no text, so callers check `missingFonts` (./fonts.ts) first.
 */
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { DEJAVU_FONT_FILES, FONT_FAMILY } from './fonts.js';

export interface PngOptions {
  /** Font files resvg loads; the text of the figures is set in FONT_FAMILY. */
  fontFiles: readonly string[];
  /** Pixels per SVG unit (2 = sharp on slides); the PNG is round(svg size * scale). */
  scale: number;
}

export const DEFAULT_PNG_OPTIONS: PngOptions = { fontFiles: DEJAVU_FONT_FILES, scale: 2 };

/** Compiles and lays out a vega-lite spec, returning standalone SVG text. */
export async function specToSvg(spec: TopLevelSpec): Promise<string> {
  const compiled = compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterises SVG text to PNG bytes with resvg and only the given fonts. */
export function svgToPng(svg: string, options: PngOptions = DEFAULT_PNG_OPTIONS): Buffer {
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: options.scale },
    font: {
      loadSystemFonts: false,
      fontFiles: [...options.fontFiles],
      defaultFontFamily: FONT_FAMILY,
      sansSerifFamily: FONT_FAMILY,
      serifFamily: FONT_FAMILY,
      monospaceFamily: FONT_FAMILY,
    },
  });
  return resvg.render().asPng();
}
