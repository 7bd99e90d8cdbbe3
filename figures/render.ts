/**
 * Headless rendering without a browser or canvas: vega-lite spec -> vega spec (vega-lite compile)
 * -> vega View with renderer 'none' -> SVG text -> PNG via resvg.
 *
 * Text: resvg draws only with the font files it is given; we load exactly those (no system scan)
 * and map every family, generic ones included, to DejaVu Sans. Without the files the PNG would
 * silently have no text, so callers check `missingFonts` (./fonts.ts) first. For layout, vega
 * measures text through its global `textMetrics.width` hook (the one vl-convert also sets); we point
 * it at DejaVu's advance widths so the SVG is laid out for the font resvg will draw.
 */
import { readFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { readFontMetrics, type FontMetrics } from './font-metrics.js';
import { DEJAVU_FACES, DEJAVU_FONT_FILES, FONT_FAMILY, missingFonts, type FontFaces } from './fonts.js';

export interface PngOptions {
  /** Font files resvg loads; the text of the figures is set in FONT_FAMILY. */
  fontFiles: readonly string[];
  /** Pixels per SVG unit (2 = sharp on slides); the PNG is round(svg size * scale). */
  scale: number;
}

export const DEFAULT_PNG_OPTIONS: PngOptions = { fontFiles: DEJAVU_FONT_FILES, scale: 2 };

/** The part of a vega text item that text measurement reads. */
interface TextItem {
  fontSize?: number;
  fontWeight?: string | number;
  limit?: number;
}

/** vega's text measurement hook; not in vega's typings. */
const textMetrics = (vega as unknown as { textMetrics: { width(item: TextItem, text?: unknown): number } }).textMetrics;
const vegaEstimate = textMetrics.width;

const isBold = (w: TextItem['fontWeight']): boolean => w === 'bold' || w === 'bolder' || (typeof w === 'number' && w >= 600) || (typeof w === 'string' && Number(w) >= 600);

/** The measure installed last, kept so the font files are read once per face set. */
let measured: { faces: FontFaces; width: (item: TextItem, text?: unknown) => number } | null = null;

/** Makes vega measure text with the faces' advance widths (vega's own guess when a file is missing). Process-wide, like the hook. */
function measureTextWith(faces: FontFaces): void {
  if (measured?.faces !== faces) {
    if (missingFonts([faces.regular, faces.bold]).length > 0) {
      measured = { faces, width: vegaEstimate };
    } else {
      const regular: FontMetrics = readFontMetrics(readFileSync(faces.regular), faces.regular);
      const bold: FontMetrics = readFontMetrics(readFileSync(faces.bold), faces.bold);
      measured = {
        faces,
        width: (item, text) => {
          const w = (isBold(item.fontWeight) ? bold : regular).width(text == null ? '' : String(text).trim(), item.fontSize ?? 11);
          return item.limit !== undefined && item.limit > 0 ? Math.min(w, item.limit) : w;
        },
      };
    }
  }
  textMetrics.width = measured.width;
}

/** Compiles and lays out a vega-lite spec (text measured with `faces`), returning standalone SVG text. */
export async function specToSvg(spec: TopLevelSpec, faces: FontFaces = DEJAVU_FACES): Promise<string> {
  measureTextWith(faces);
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
