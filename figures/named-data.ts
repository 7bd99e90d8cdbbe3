/**
 * One spec, two renderers: `dynpipe figures` renders a spec with its data inline; the dashboard
 * embeds the same spec once and then replaces its data as the run goes on. `detachData` moves every
 * inline `data: {values}` of a spec into named datasets, so the live view can swap values by name
 * (vega's `view.data(name, values)`) and keep its layout; `shapeKey` tells when the spec itself
 * changed (a layer appeared, a title changed) and must be embedded anew.
 *
 * A dataset is named after the layer or view that holds it (`<name>_data`), else by its position
 * (`data_<k>_inline`); vega-lite's own data sources are `data_<k>`, so the names never collide.
 * Pure: no I/O, runs in Node and in the browser.
 */
import type { TopLevelSpec } from 'vega-lite';

export interface DetachedSpec {
  /** The spec with `data: {name}` where it had inline values, and no top-level `datasets`. */
  spec: TopLevelSpec;
  datasets: Record<string, unknown[]>;
  /** Equal for two specs exactly when they differ in data values only. */
  shapeKey: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function detachData(spec: TopLevelSpec): DetachedSpec {
  const datasets: Record<string, unknown[]> = {};
  let unnamed = 0;
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (!isRecord(node)) return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === 'data' && isRecord(value) && Array.isArray(value.values)) {
        let name = typeof node.name === 'string' ? `${node.name}_data` : `data_${unnamed++}_inline`;
        while (name in datasets) name = `${name}_${unnamed++}`;
        datasets[name] = value.values;
        out.data = { name };
      } else {
        out[key] = walk(value);
      }
    }
    return out;
  };
  const detached = walk(spec) as TopLevelSpec;
  return { spec: detached, datasets, shapeKey: JSON.stringify(detached) };
}

/** The detached spec with its datasets attached at the top level: renders exactly like the original. */
export function attachData(d: Pick<DetachedSpec, 'spec' | 'datasets'>): TopLevelSpec {
  return { ...d.spec, datasets: d.datasets } as TopLevelSpec;
}
