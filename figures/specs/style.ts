/**
 * Look shared by every figure: DejaVu Sans (the font ../render.ts hands resvg), readable sizes, and
 * the fixed colours of interference levels. Specs spread `base()` into their top level. Like every
 * spec module, this one imports nothing from Node: the dashboard page builds the same specs.
 */
import type { Config, TopLevelSpec } from 'vega-lite';
import { FONT_FAMILY } from '../font-family.js';

/** Plot area of one panel, in px before the PNG scale factor. */
export const PANEL = { width: 560, height: 280 } as const;

export const LEVEL_COLORS = { none: '#9e9e9e', light: '#fdae61', heavy: '#d7191c' } as const;

export const REPARTITION_COLOR = '#2c7bb6';

const config: Config = {
  font: FONT_FAMILY,
  background: 'white',
  padding: 12,
  title: { fontSize: 16, anchor: 'start', offset: 12, subtitleFontSize: 12, subtitleColor: '#555' },
  axis: { labelFontSize: 12, titleFontSize: 13, titlePadding: 8, labelLimit: 220 },
  legend: { labelFontSize: 12, titleFontSize: 13, labelLimit: 260 },
  header: { labelFontSize: 13, titleFontSize: 13 },
  view: { stroke: '#ccc' },
};

export function base(title: string, subtitle?: string) {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: subtitle ? { text: title, subtitle } : { text: title },
    config,
  } as const;
}

/** One layer of a layered vega-lite spec (vega-lite does not export the type by name). */
export type Layer = Extract<TopLevelSpec, { layer: unknown }>['layer'][number];
