/**
 * The predictor's feature vector, defined once: every column's name, unit and meaning.
 *
 * A row describes "block range R at batch size B, on a device observed in state D" and its target is
 * the slowdown factor of that device for R: time per microbatch under the device's current
 * interference / time alone. Features come in two groups:
 *  - static: computed from `ModelSpec.blocks` [a, b) and B (FLOPs, params, bytes, block kinds), plus
 *    the range's profiled step time alone on the device (`alone_ms`, from the device's profile);
 *  - device: observed on the device during a window (host counters, GPU counters, and the timing of
 *    the stage that happened to be running there, the "observer").
 *
 * Invariant: to ask "how would a different range R' run on this device?" keep the device features and
 * swap the static ones — `toVector(staticFeatures(spec, R', B, aloneMs(R')), device)` — nothing in the device group
 * depends on the candidate range. The observer's own arithmetic intensity is a device feature
 * (context for `self_compute_ratio`), not a static one.
 *
 * Device features that a host cannot observe (no nvidia-smi) are `null`; in the numeric vector a
 * null is `MISSING` (-1), a value no real observation takes, so trees can split it off.
 */
import { activationBytesPerSample, blockParamCount, type BlockKind, type ModelSpec } from '../runtime/models/block.js';
import { DynpipeError, oneLine } from '../runtime/errors.js';

export interface FeatureDef {
  readonly name: string;
  readonly group: 'static' | 'device';
  readonly unit: string;
  readonly doc: string;
  /** true when a host may be unable to observe it (the value is then null / MISSING). */
  readonly nullable: boolean;
}

export const FEATURES = [
  { name: 'batch_size', group: 'static', unit: 'samples', nullable: false, doc: 'samples per microbatch' },
  { name: 'blocks', group: 'static', unit: 'count', nullable: false, doc: 'blocks in the range' },
  { name: 'gflops', group: 'static', unit: 'GFLOP', nullable: false, doc: 'forward FLOPs of the range per microbatch (multiply-add = 2)' },
  { name: 'mparams', group: 'static', unit: 'millions', nullable: false, doc: 'trainable parameters of the range' },
  { name: 'activation_mb', group: 'static', unit: 'MB', nullable: false, doc: 'output activations of all blocks in the range per microbatch (1 MB = 1e6 bytes)' },
  { name: 'boundary_mb', group: 'static', unit: 'MB', nullable: false, doc: 'activation the range sends downstream per microbatch' },
  { name: 'flops_per_byte', group: 'static', unit: 'FLOP/B', nullable: false, doc: 'arithmetic intensity: FLOPs / (activation + parameter bytes)' },
  { name: 'conv_blocks', group: 'static', unit: 'count', nullable: false, doc: "blocks of kind 'conv'" },
  { name: 'dense_blocks', group: 'static', unit: 'count', nullable: false, doc: "blocks of kind 'dense'" },
  { name: 'attention_blocks', group: 'static', unit: 'count', nullable: false, doc: "blocks of kind 'attention'" },
  { name: 'pool_blocks', group: 'static', unit: 'count', nullable: false, doc: "blocks of kind 'pool'" },
  { name: 'other_blocks', group: 'static', unit: 'count', nullable: false, doc: 'blocks of any other kind (embedding, norm, residual, head, other)' },
  { name: 'alone_ms', group: 'static', unit: 'ms', nullable: false, doc: "the range's profiled step time per microbatch alone on this device (the profile's value; in collection the interleaved alone median)" },
  { name: 'self_compute_ratio', group: 'device', unit: 'x', nullable: false, doc: "observer stage's compute ms per microbatch / its profiled alone value" },
  { name: 'self_flops_per_byte', group: 'device', unit: 'FLOP/B', nullable: false, doc: "observer stage's arithmetic intensity (context for self_compute_ratio)" },
  { name: 'wait_fraction', group: 'device', unit: 'fraction', nullable: false, doc: 'share of the window the observer spent waiting on send/recv' },
  { name: 'send_wait_ms', group: 'device', unit: 'ms', nullable: false, doc: 'mean time the observer waited per send' },
  { name: 'cpu_self', group: 'device', unit: 'cores', nullable: false, doc: 'CPU seconds of the worker process per wall second' },
  { name: 'cpu_peer', group: 'device', unit: 'cores', nullable: false, doc: 'busy cores of the machine beyond the worker: machine busy - cpu_self, at least 0' },
  { name: 'cpu_util_cores', group: 'device', unit: 'fraction', nullable: false, doc: 'busy share of the cores the worker may run on (/proc/stat)' },
  { name: 'cpu_util_machine', group: 'device', unit: 'fraction', nullable: false, doc: 'busy share of all cores (/proc/stat)' },
  { name: 'procs_running_per_core', group: 'device', unit: 'tasks/core', nullable: false, doc: 'runnable tasks besides the reader (/proc/stat procs_running, mean of both window ends) per core' },
  { name: 'runq_wait_fraction', group: 'device', unit: 'fraction', nullable: true, doc: "share of the window the worker's main thread waited on a run queue for a CPU (schedstat)" },
  { name: 'cpu_pressure', group: 'device', unit: 'fraction', nullable: true, doc: 'share of the window in which some task of the machine waited for a CPU (/proc/pressure/cpu some)' },
  { name: 'load_avg_per_core', group: 'device', unit: 'tasks/core', nullable: false, doc: '1-minute load average per core' },
  { name: 'membw_probe_gbps', group: 'device', unit: 'GB/s', nullable: false, doc: 'copy bandwidth of a tiny in-process probe (4 MiB buffer)' },
  { name: 'gpu_util', group: 'device', unit: 'fraction', nullable: true, doc: 'nvidia-smi utilization.gpu of the worker GPU' },
  { name: 'gpu_mem_util', group: 'device', unit: 'fraction', nullable: true, doc: 'nvidia-smi utilization.memory (memory controller busy share)' },
  { name: 'gpu_procs', group: 'device', unit: 'count', nullable: true, doc: 'other compute processes on the worker GPU (nvidia-smi --query-compute-apps)' },
] as const satisfies readonly FeatureDef[];

type Def = (typeof FEATURES)[number];
export type FeatureName = Def['name'];
export type StaticName = Extract<Def, { group: 'static' }>['name'];
export type DeviceName = Extract<Def, { group: 'device' }>['name'];
type NullableName = Extract<Def, { nullable: true }>['name'];

export type StaticFeatures = { [K in StaticName]: number };
/** The static features that follow from the model alone (all but the profiled `alone_ms`). */
export type RangeFeatures = Omit<StaticFeatures, 'alone_ms'>;
export type DeviceFeatures = { [K in DeviceName]: K extends NullableName ? number | null : number };

export const FEATURE_NAMES: readonly FeatureName[] = FEATURES.map((f) => f.name);
export const STATIC_NAMES = FEATURES.filter((f) => f.group === 'static').map((f) => f.name) as readonly StaticName[];
export const DEVICE_NAMES = FEATURES.filter((f) => f.group === 'device').map((f) => f.name) as readonly DeviceName[];

/** The numeric stand-in for an unobservable (null) device feature. */
export const MISSING = -1;

const KIND_COLUMN: Record<BlockKind, keyof RangeFeatures> = {
  conv: 'conv_blocks',
  dense: 'dense_blocks',
  attention: 'attention_blocks',
  pool: 'pool_blocks',
  embedding: 'other_blocks',
  norm: 'other_blocks',
  residual: 'other_blocks',
  head: 'other_blocks',
  other: 'other_blocks',
};

/**
 * Static features of blocks [start, end) of `spec` at `batchSize` samples per microbatch that has
 * been profiled at `aloneMs` per microbatch on the device in question.
 */
export function staticFeatures(spec: ModelSpec, start: number, end: number, batchSize: number, aloneMs: number): StaticFeatures {
  return withAloneMs(rangeFeatures(spec, start, end, batchSize), aloneMs);
}

/** `range` completed with its profiled step time; E_PREDICTOR unless `aloneMs` is finite and > 0. */
export function withAloneMs(range: RangeFeatures, aloneMs: number): StaticFeatures {
  if (!(Number.isFinite(aloneMs) && aloneMs > 0)) throw new DynpipeError('E_PREDICTOR', `profiled alone time must be a finite number of ms > 0, got ${aloneMs}`);
  return { ...range, alone_ms: aloneMs };
}

/** The model-derived static features of blocks [start, end) of `spec` at `batchSize`. */
export function rangeFeatures(spec: ModelSpec, start: number, end: number, batchSize: number): RangeFeatures {
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start < end && end <= spec.blocks.length)) {
    throw new DynpipeError('E_PREDICTOR', `block range [${start}, ${end}) is not inside ${spec.name}'s ${spec.blocks.length} blocks`);
  }
  if (!(Number.isInteger(batchSize) && batchSize > 0)) {
    throw new DynpipeError('E_PREDICTOR', `batch size must be a positive integer, got ${batchSize}`);
  }
  const blocks = spec.blocks.slice(start, end);
  const f: RangeFeatures = {
    batch_size: batchSize,
    blocks: blocks.length,
    gflops: 0,
    mparams: 0,
    activation_mb: 0,
    boundary_mb: 0,
    flops_per_byte: 0,
    conv_blocks: 0,
    dense_blocks: 0,
    attention_blocks: 0,
    pool_blocks: 0,
    other_blocks: 0,
  };
  let flops = 0;
  let params = 0;
  let activationBytes = 0;
  for (const b of blocks) {
    flops += b.flops * batchSize;
    params += blockParamCount(b);
    activationBytes += activationBytesPerSample(b.outputShape) * batchSize;
    f[KIND_COLUMN[b.kind]] += 1;
  }
  const boundaryBytes = activationBytesPerSample(blocks[blocks.length - 1].outputShape) * batchSize;
  f.gflops = flops / 1e9;
  f.mparams = params / 1e6;
  f.activation_mb = activationBytes / 1e6;
  f.boundary_mb = boundaryBytes / 1e6;
  f.flops_per_byte = flops / Math.max(1, activationBytes + 4 * params);
  return f;
}

/** The numeric vector the models see, in `FEATURES` order; null becomes `MISSING`. */
export function toVector(s: StaticFeatures, d: DeviceFeatures): number[] {
  const v: number[] = [];
  for (const name of STATIC_NAMES) v.push(finite(s[name], name));
  for (const name of DEVICE_NAMES) {
    const x = d[name];
    v.push(x === null ? MISSING : finite(x, name));
  }
  return v;
}

/** Inverse of `toVector`: `MISSING` in a nullable column becomes null again. */
export function fromVector(v: readonly number[]): { static: StaticFeatures; device: DeviceFeatures } {
  if (v.length !== FEATURES.length) {
    throw new DynpipeError('E_PREDICTOR', `feature vector has ${v.length} values, expected ${FEATURES.length}`);
  }
  const s = {} as Record<string, number>;
  const d = {} as Record<string, number | null>;
  FEATURES.forEach((f, i) => {
    const x = finite(v[i], f.name);
    if (f.group === 'static') s[f.name] = x;
    else d[f.name] = f.nullable && x === MISSING ? null : x;
  });
  return { static: s as StaticFeatures, device: d as DeviceFeatures };
}

/** Checks that `value` has exactly the device feature keys, each a finite number (or null where allowed). */
export function parseDeviceFeatures(value: unknown, where: string): DeviceFeatures {
  return parseGroup(value, where, 'device') as DeviceFeatures;
}

/** Checks that `value` has exactly the static feature keys, each a finite number. */
export function parseStaticFeatures(value: unknown, where: string): StaticFeatures {
  return parseGroup(value, where, 'static') as StaticFeatures;
}

function parseGroup(value: unknown, where: string, group: FeatureDef['group']): Record<string, number | null> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DynpipeError('E_PREDICTOR', `${where}: expected an object of ${group} features`);
  }
  const record = value as Record<string, unknown>;
  const defs = FEATURES.filter((f) => f.group === group);
  const out: Record<string, number | null> = {};
  for (const f of defs) {
    const x = record[f.name];
    if (x === null && f.nullable) out[f.name] = null;
    else if (typeof x === 'number' && Number.isFinite(x)) out[f.name] = x;
    else throw new DynpipeError('E_PREDICTOR', `${where}: ${f.name}: expected a finite number${f.nullable ? ' or null' : ''}, got ${oneLine(JSON.stringify(x) ?? String(x), 80)}`);
  }
  for (const k of Object.keys(record)) {
    if (!defs.some((f) => f.name === k)) throw new DynpipeError('E_PREDICTOR', `${where}: ${oneLine(k, 64)}: not a ${group} feature`);
  }
  return out;
}

function finite(x: number, name: string): number {
  if (!Number.isFinite(x)) throw new DynpipeError('E_PREDICTOR', `feature ${name} is ${x}, expected a finite number`);
  return x;
}
