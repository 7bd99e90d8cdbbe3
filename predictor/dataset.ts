/**
 * The training dataset: one CSV row per (mix, repeat, target workload, observer workload). The
 * header comment documents every column's unit, so a file explains itself. `parseDataset(print)`
 * gives back the same rows (numbers round-trip exactly: csv-stringify writes shortest round-trip
 * decimals).
 *
 * A row says: while `mix` ran, the stage `observer` was running on the device and the host looked
 * like `device`; the block range `target` (static features) ran `slowdown` times slower than alone.
 */
import { stringify } from 'csv-stringify/sync';
import { FEATURES, STATIC_NAMES, DEVICE_NAMES, toVector, type DeviceFeatures, type StaticFeatures } from './features.js';
import { FieldReader, parseCsvTable } from './csv-table.js';
import type { LabeledRow } from './evaluate.js';

export interface DatasetRow {
  /** Canonical mix text (see mix.ts); the grouping key. */
  mix: string;
  /** Which repetition of the mix this is (0-based). */
  repeat: number;
  /** Workload whose slowdown is the target, e.g. 'mlp/0-3/b32'. */
  target: string;
  /** Workload that ran while the device features were observed. */
  observer: string;
  /** Target's median step time per microbatch under the mix (alone: `static.alone_ms`). */
  interferedMs: number;
  /** Target's static features; `alone_ms` is its median step time alone, interleaved with the mix (mix paused). */
  static: StaticFeatures;
  device: DeviceFeatures;
  /** interferedMs / static.alone_ms. */
  slowdown: number;
}

const META = [
  ['mix', 'text', "canonical interference mix, e.g. 'cpu:1@0+membw:0.5@*' ('none' = quiet); the grouping key"],
  ['repeat', 'count', 'repetition of the mix, from 0'],
  ['target', 'text', "workload whose slowdown is the target: '<model>/<first>-<end>/b<batch>' (blocks [first, end))"],
  ['observer', 'text', 'workload running on the device while the device features were observed'],
  ['interfered_ms', 'ms', "target's median step time per microbatch under the mix"],
] as const;
const TARGET = ['slowdown', 'x', 'interfered_ms / alone_ms: the device slowdown factor for the target (the label); alone_ms is measured interleaved with the interfered runs (mix paused)'] as const;

export const DATASET_COLUMNS: readonly string[] = [...META.map((m) => m[0]), ...FEATURES.map((f) => f.name), TARGET[0]];

/** The header comment: format line, provenance lines, then one line per column with unit and meaning. */
export function datasetHeaderComment(provenance: readonly string[] = []): string {
  const lines = ['# dynpipe predictor dataset v2. Columns (name [unit]: meaning); an empty cell is a feature the host could not observe.'];
  for (const p of provenance) lines.push(`# ${p.replace(/\n/g, ' ')}`);
  for (const [name, unit, doc] of META) lines.push(`# ${name} [${unit}]: ${doc}`);
  for (const f of FEATURES) lines.push(`# ${f.name} [${f.unit}] (${f.group}): ${f.doc}`);
  lines.push(`# ${TARGET[0]} [${TARGET[1]}]: ${TARGET[2]}`);
  return lines.join('\n') + '\n';
}

function record(r: DatasetRow): unknown[] {
  return [
    r.mix,
    r.repeat,
    r.target,
    r.observer,
    r.interferedMs,
    ...STATIC_NAMES.map((n) => r.static[n]),
    ...DEVICE_NAMES.map((n) => r.device[n] ?? ''),
    r.slowdown,
  ];
}

/**
 * CSV text of `rows`; with `header`, the comment (with `provenance` lines: host, backend, flags)
 * and the column line come first (a new file).
 */
export function printDataset(rows: readonly DatasetRow[], header: boolean, provenance: readonly string[] = []): string {
  const body = stringify(rows.map(record), { header, columns: header ? [...DATASET_COLUMNS] : undefined });
  return (header ? datasetHeaderComment(provenance) : '') + body;
}

/** Parses dataset CSV text; an error names `where`, the line and the field (E_DATA). */
export function parseDataset(text: string, where: string): DatasetRow[] {
  return parseCsvTable(text, where, DATASET_COLUMNS, 'E_DATA').map((rec) => {
    const f = new FieldReader(where, rec, 'E_DATA');
    const st = {} as Record<string, number>;
    const dev = {} as Record<string, number | null>;
    for (const def of FEATURES) {
      if (def.group === 'static') st[def.name] = f.number(def.name);
      else dev[def.name] = def.nullable ? f.nullableNumber(def.name) : f.number(def.name);
    }
    const nonEmpty = (field: string): string => f.text(field) || f.fail(field, 'is empty');
    return {
      mix: nonEmpty('mix'),
      repeat: f.integer('repeat', 0),
      target: nonEmpty('target'),
      observer: nonEmpty('observer'),
      interferedMs: f.positive('interfered_ms'),
      static: st as StaticFeatures,
      device: dev as DeviceFeatures,
      slowdown: f.positive('slowdown'),
    };
  });
}

/** The key of one collected (mix, repeat) run; a resumed collection skips keys already in the file. */
/** `x` rounded to `digits` significant digits (0 and non-finite values unchanged). */
export function roundSignificant(x: number, digits: number): number {
  return x === 0 || !Number.isFinite(x) ? x : Number(x.toPrecision(digits));
}

/**
 * The row with every measured number (times, slowdown, device features and the measured
 * `alone_ms`) rounded to `digits` significant digits, to keep dataset files small; the
 * model-derived static features stay exact, so they equal what `staticFeatures` gives at
 * prediction time. Measurement noise is far above 1e-4, so 5 digits lose nothing.
 */
export function roundMeasured(r: DatasetRow, digits: number): DatasetRow {
  const round = (x: number): number => roundSignificant(x, digits);
  const device = Object.fromEntries(Object.entries(r.device).map(([k, v]) => [k, v === null ? null : round(v)])) as DeviceFeatures;
  return {
    ...r,
    interferedMs: round(r.interferedMs),
    static: { ...r.static, alone_ms: round(r.static.alone_ms) },
    device,
    slowdown: round(r.slowdown),
  };
}

export function runKey(mix: string, repeat: number): string {
  return `${mix}#${repeat}`;
}

/** Tags for `labeled`: was the device observed while the target range itself was running? */
export const SAME_RANGE = 'observer = target';
export const OTHER_RANGE = 'observer != target';

export function labeled(rows: readonly DatasetRow[]): LabeledRow[] {
  return rows.map((r) => ({ group: r.mix, x: toVector(r.static, r.device), y: r.slowdown, tag: r.observer === r.target ? SAME_RANGE : OTHER_RANGE }));
}
