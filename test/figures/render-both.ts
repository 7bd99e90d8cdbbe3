/** Renders a spec to SVG and PNG (scale 2) and checks the PNG is a PNG of twice the SVG's size. */
import { strict as assert } from 'node:assert';
import type { TopLevelSpec } from 'vega-lite';
import { DEFAULT_PNG_OPTIONS, specToSvg, svgToPng } from '../../figures/render.js';
import { pngSize, svgSize } from './svg.js';

export async function renderBoth(spec: TopLevelSpec): Promise<{ svg: string; png: Buffer }> {
  const svg = await specToSvg(spec);
  const png = svgToPng(svg, { ...DEFAULT_PNG_OPTIONS, scale: 2 });
  const s = svgSize(svg);
  assert.deepEqual(pngSize(png), { width: Math.round(2 * s.width), height: Math.round(2 * s.height) });
  return { svg, png };
}
