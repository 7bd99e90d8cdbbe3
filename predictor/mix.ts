/**
 * Interference specs and mixes (0..n co-located interferers), with one canonical text form each.
 * The canonical mix text is the dataset's grouping key: two runs of the same mix have the same key,
 * so a grouped split never puts one in train and the other in test.
 *
 *   interferer: <kind>:<intensity>@<target>      cpu:1@0,1   membw:0.5@*   gpu:0.25@0   net:0.5@2
 *   mix:        interferers sorted and joined by '+', or 'none'
 *
 * A collection may draw cpu/membw targets as *slots* (indexes into a list of cores, see `placeMix`)
 * rather than core numbers, so that the same mix means the same thing in every lane of a parallel
 * collection: slot 0 is the first core of the lane, whichever core that is.
 */
import { DynpipeError, type ErrorCode } from '../runtime/errors.js';
import { seededRandom } from './random.js';

export const INTERFERER_KINDS = ['cpu', 'membw', 'gpu', 'net'] as const;
export type InterfererKind = (typeof INTERFERER_KINDS)[number];

/**
 * One co-located load. `intensity` in (0, 1] is the duty cycle (busy share of each period) for
 * cpu, membw and gpu, and the delay scale for net.
 */
export type InterfererSpec =
  /** One busy thread per listed core, pinned there; no cores = one unpinned thread. */
  | { kind: 'cpu'; intensity: number; cores: readonly number[] }
  /** Streaming copies over a buffer larger than the last-level cache, pinned to `cores` when given. */
  | { kind: 'membw'; intensity: number; cores: readonly number[] }
  /** A matmul loop on WebGPU adapter `device`. */
  | { kind: 'gpu'; intensity: number; device: number }
  /** Delay and jitter on the sends of rank `rank` (a transport hook, not a process). */
  | { kind: 'net'; intensity: number; rank: number };

export type Mix = readonly InterfererSpec[];

export const NO_MIX = 'none';

export function formatInterferer(s: InterfererSpec): string {
  const target = s.kind === 'cpu' || s.kind === 'membw' ? (s.cores.length === 0 ? '*' : s.cores.join(',')) : String(s.kind === 'gpu' ? s.device : s.rank);
  return `${s.kind}:${s.intensity}@${target}`;
}

/** The canonical text of a mix: order of its interferers does not matter. */
export function mixKey(mix: Mix): string {
  return mix.length === 0 ? NO_MIX : mix.map(formatInterferer).sort().join('+');
}

/** Parses a core list: '*' or '' (any core), '3', '0,2', '0-3', '0;2-3'. Sorted, without repeats. */
export function parseCores(text: string, code: ErrorCode = 'E_USAGE', where = 'cores'): number[] {
  return [...new Set(coresInOrder(text, code, where))].sort((a, b) => a - b);
}

/**
 * Parses a core list as slots for `placeMix`, keeping the order given ('9,8' makes core 9 slot 0);
 * a core listed twice is E_USAGE.
 */
export function parseCoreSlots(text: string, code: ErrorCode = 'E_USAGE', where = 'cores'): number[] {
  const cores = coresInOrder(text, code, where);
  const twice = cores.find((c, i) => cores.indexOf(c) !== i);
  if (twice !== undefined) throw new DynpipeError(code, `${where}: core ${twice} is listed twice in '${text}'`);
  return cores;
}

function coresInOrder(text: string, code: ErrorCode, where: string): number[] {
  const t = text.trim();
  if (t === '' || t === '*') return [];
  const out: number[] = [];
  for (const part of t.split(/[,;]/)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new DynpipeError(code, `${where}: expected a core list like 0,2-3, got '${text}'`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw new DynpipeError(code, `${where}: range ${part} runs backwards`);
    for (let c = lo; c <= hi; c++) out.push(c);
  }
  return out;
}

/** Builds a spec from its kind, target text and intensity, checking each (errors name `where`). */
export function interfererSpec(kind: InterfererKind, target: string, intensity: number, code: ErrorCode = 'E_USAGE', where = 'interferer'): InterfererSpec {
  if (!(Number.isFinite(intensity) && intensity > 0 && intensity <= 1)) {
    throw new DynpipeError(code, `${where}: intensity must be in (0, 1], got ${intensity}`);
  }
  const index = (what: string): number => {
    const t = target.trim();
    if (!/^\d+$/.test(t)) throw new DynpipeError(code, `${where}: target of ${kind} must be a ${what} index, got '${target}'`);
    return Number(t);
  };
  switch (kind) {
    case 'cpu':
    case 'membw':
      return { kind, intensity, cores: parseCores(target, code, where) };
    case 'gpu':
      return { kind, intensity, device: target.trim() === '' ? 0 : index('device') };
    case 'net':
      return { kind, intensity, rank: index('rank') };
  }
}

export interface RandomMixOptions {
  /** Mixes to draw besides the quiet one. */
  count: number;
  kinds: readonly InterfererKind[];
  /** At most this many interferers in one mix (>= 1). */
  maxInterferers: number;
  /** Cores that cpu/membw interferers may be pinned to. */
  cores: readonly number[];
  intensities: readonly number[];
  seed: number;
}

/** The quiet mix followed by `count` distinct random mixes of 1..maxInterferers interferers. */
export function randomMixes(o: RandomMixOptions): Mix[] {
  if (o.kinds.length === 0 || o.intensities.length === 0 || o.maxInterferers < 1) {
    throw new DynpipeError('E_USAGE', 'random mixes need at least one kind, one intensity and maxInterferers >= 1');
  }
  const random = seededRandom(o.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const mixes: Mix[] = [[]];
  const seen = new Set([NO_MIX]);
  for (let attempt = 0; mixes.length <= o.count && attempt < 100 * (o.count + 1); attempt++) {
    const n = 1 + Math.floor(random() * o.maxInterferers);
    const mix: InterfererSpec[] = [];
    for (let i = 0; i < n; i++) {
      const kind = pick(o.kinds);
      const intensity = pick(o.intensities);
      const core = o.cores.length > 0 ? [pick(o.cores)] : [];
      if (kind === 'cpu' || kind === 'membw') mix.push({ kind, intensity, cores: core });
      else if (kind === 'gpu') mix.push({ kind, intensity, device: 0 });
      else mix.push({ kind, intensity, rank: 0 });
    }
    const key = mixKey(mix);
    if (!seen.has(key)) {
      seen.add(key);
      mixes.push(mix);
    }
  }
  return mixes;
}

/**
 * The mix with each cpu/membw slot index replaced by the core at that index of `slots` (the key of
 * the returned mix names cores; the dataset keeps the slot form). An empty `slots` leaves the mix as
 * it is; a slot past the end is E_USAGE naming the interferer.
 */
export function placeMix(mix: Mix, slots: readonly number[]): Mix {
  if (slots.length === 0) return mix;
  return mix.map((s) => {
    if (s.kind !== 'cpu' && s.kind !== 'membw') return s;
    const cores = s.cores.map((slot) => {
      const core = slots[slot];
      if (core === undefined) throw new DynpipeError('E_USAGE', `${formatInterferer(s)}: slot ${slot} is past the ${slots.length} interferer cores [${slots.join(',')}]`);
      return core;
    });
    return { ...s, cores };
  });
}
