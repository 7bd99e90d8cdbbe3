/**
 * The interference trace (profile/interfere/schedule.ts, times in seconds) as what the simulator
 * needs: per rank, a piecewise-constant compute slowdown over time and the net delays on its sends.
 *
 * Slowdown model (documented defaults, each a flag of `dynpipe simulate`):
 *  - an event of kind cpu, membw or gpu at intensity x adds x · (k_kind - 1) to the factor of every
 *    rank it targets, k_kind being the kind's slowdown at full intensity (cpu 2: one busy thread
 *    sharing a core with the rank at 100 % duty halves its speed; membw 1.5; gpu 2); overlapping
 *    events add, so a rank's factor is 1 + sum of the excesses;
 *  - targets: cpu/membw name cores, rank r owning cores [r·c, (r+1)·c) (c = coresPerRank, as
 *    `dynpipe launch --cpus-per-rank` pins them); gpu names an adapter, rank r using adapter
 *    floor(r / ranksPerGpu); an unpinned cpu/membw event ('*') has no rank and is refused;
 *  - net at intensity x delays each send of the target rank by
 *      x · (baseMs + perMbMs · bytes / 1e6) + U[0, x · jitterMs)
 *    (the worker's hook, profile/interfere/net.ts), jitter drawn from a generator seeded with
 *    seed + the event's index, so a run replays exactly.
 * A rank computing w unslowed ms from time t under factor f(τ) ends at the e with ∫_t^e dτ / f(τ) = w.
 * Pure: no clock; events are replayed from the trace alone.
 */
import { DynpipeError } from '../errors.js';
import type { InterfererKind } from '../../predictor/mix.js';
import { seededRandom } from '../../predictor/random.js';
import type { ScheduleEvent } from '../../profile/interfere/schedule.js';

export interface SlowdownModel {
  /** Compute slowdown at intensity 1 per process kind (> 1 slows, 1 = no effect). */
  readonly fullIntensity: { readonly cpu: number; readonly membw: number; readonly gpu: number };
  readonly coresPerRank: number;
  readonly ranksPerGpu: number;
  readonly net: { readonly baseMs: number; readonly perMbMs: number; readonly jitterMs: number };
  /** Seeds the net jitter. */
  readonly seed: number;
}

export const DEFAULT_SLOWDOWN_MODEL: SlowdownModel = {
  fullIntensity: { cpu: 2, membw: 1.5, gpu: 2 },
  coresPerRank: 1,
  ranksPerGpu: 1,
  net: { baseMs: 5, perMbMs: 2, jitterMs: 2 },
  seed: 0,
};

/** One event as it lands on one rank. */
export interface RankInterference {
  readonly rank: number;
  readonly kind: InterfererKind;
  readonly intensity: number;
  readonly startMs: number;
  /** Infinity: until the run ends. */
  readonly endMs: number;
  /** Compute factor while this event alone runs (1 for net). */
  readonly factor: number;
  /** Index of the event in the trace. */
  readonly event: number;
}

function where(e: ScheduleEvent, source: string): string {
  return e.line > 0 ? `${source} line ${e.line}` : `${source} event`;
}

/** The ranks `e` lands on under `model` for `ranks` ranks; E_USAGE when it targets none. */
function targetRanks(e: ScheduleEvent, model: SlowdownModel, ranks: number, source: string): number[] {
  const spec = e.spec;
  let out: number[];
  if (spec.kind === 'cpu' || spec.kind === 'membw') {
    if (spec.cores.length === 0) throw new DynpipeError('E_USAGE', `${where(e, source)}: an unpinned ${spec.kind} load ('*') hits no particular rank; name cores`);
    out = [...new Set(spec.cores.map((c) => Math.floor(c / model.coresPerRank)))];
  } else if (spec.kind === 'gpu') {
    out = [];
    for (let r = 0; r < ranks; r++) if (Math.floor(r / model.ranksPerGpu) === spec.device) out.push(r);
  } else {
    out = [spec.rank];
  }
  const missing = out.find((r) => r >= ranks);
  if (out.length === 0 || missing !== undefined) {
    throw new DynpipeError('E_USAGE', `${where(e, source)}: targets ${missing !== undefined ? `rank ${missing}` : 'no rank'}, but the job has ranks 0..${ranks - 1} (${model.coresPerRank} core(s) per rank, ${model.ranksPerGpu} rank(s) per GPU)`);
  }
  return out.sort((a, b) => a - b);
}

/** Checks the model's numbers (E_USAGE naming the field). */
export function checkSlowdownModel(m: SlowdownModel): void {
  for (const kind of ['cpu', 'membw', 'gpu'] as const) {
    const k = m.fullIntensity[kind];
    if (!(k >= 1 && Number.isFinite(k))) throw new DynpipeError('E_USAGE', `simulator: ${kind} slowdown at full intensity must be a number >= 1, got ${k}`);
  }
  if (!(Number.isInteger(m.coresPerRank) && m.coresPerRank >= 1)) throw new DynpipeError('E_USAGE', `simulator: cores per rank must be an integer >= 1, got ${m.coresPerRank}`);
  if (!(Number.isInteger(m.ranksPerGpu) && m.ranksPerGpu >= 1)) throw new DynpipeError('E_USAGE', `simulator: ranks per GPU must be an integer >= 1, got ${m.ranksPerGpu}`);
  for (const k of ['baseMs', 'perMbMs', 'jitterMs'] as const) {
    if (!(m.net[k] >= 0 && Number.isFinite(m.net[k]))) throw new DynpipeError('E_USAGE', `simulator: net ${k} must be a finite number >= 0, got ${m.net[k]}`);
  }
}

/** Every (event, rank) pair of the trace, by start time then event index then rank; errors name `source`. */
export function landInterference(events: readonly ScheduleEvent[], model: SlowdownModel, ranks: number, source = 'interference'): RankInterference[] {
  checkSlowdownModel(model);
  const out: RankInterference[] = [];
  events.forEach((e, event) => {
    const kind = e.spec.kind;
    const factor = kind === 'net' ? 1 : 1 + e.spec.intensity * (model.fullIntensity[kind] - 1);
    for (const rank of targetRanks(e, model, ranks, source)) {
      out.push({ rank, kind, intensity: e.spec.intensity, startMs: e.startS * 1000, endMs: e.endS * 1000, factor, event });
    }
  });
  return out.sort((a, b) => a.startMs - b.startMs || a.event - b.event || a.rank - b.rank);
}

interface NetWindow {
  readonly startMs: number;
  readonly endMs: number;
  readonly intensity: number;
  readonly random: () => number;
}

/**
 * Per-rank slowdown functions and net delays. `finishMs` must be called with non-decreasing start
 * times per rank (a rank computes one thing at a time); it then costs O(1) amortised.
 */
export class Slowdowns {
  /** breaks[r]: times where rank r's factor changes, ascending; factors[r][k] holds from breaks[r][k]. */
  private readonly breaks: Float64Array[];
  private readonly factors: Float64Array[];
  private readonly cursor: Int32Array;
  private readonly net: NetWindow[][];

  constructor(
    landed: readonly RankInterference[],
    ranks: number,
    private readonly model: SlowdownModel = DEFAULT_SLOWDOWN_MODEL,
  ) {
    this.cursor = new Int32Array(ranks);
    this.breaks = [];
    this.factors = [];
    this.net = [];
    for (let r = 0; r < ranks; r++) {
      const mine = landed.filter((x) => x.rank === r);
      const compute = mine.filter((x) => x.kind !== 'net');
      const times = [...new Set(compute.flatMap((x) => [x.startMs, x.endMs]).filter((t) => Number.isFinite(t)))].sort((a, b) => a - b);
      const factorAt = (t: number): number => compute.reduce((f, x) => (t >= x.startMs && t < x.endMs ? f + (x.factor - 1) : f), 1);
      this.breaks.push(Float64Array.from([-Infinity, ...times]));
      this.factors.push(Float64Array.from([1, ...times.map(factorAt)]));
      this.net.push(
        mine
          .filter((x) => x.kind === 'net')
          .map((x) => ({ startMs: x.startMs, endMs: x.endMs, intensity: x.intensity, random: seededRandom(model.seed + x.event + 1) })),
      );
    }
  }

  /** Rank r's compute factor at time t. */
  factorAt(r: number, t: number): number {
    const b = this.breaks[r];
    let k = b.length - 1;
    while (b[k] > t) k--;
    return this.factors[r][k];
  }

  /** When `workMs` of unslowed compute started at `startMs` on rank `r` ends (module comment). */
  finishMs(r: number, startMs: number, workMs: number): number {
    const b = this.breaks[r];
    if (b.length === 1) return startMs + workMs;
    const f = this.factors[r];
    let k = this.cursor[r];
    if (b[k] > startMs) k = 0;
    while (k + 1 < b.length && b[k + 1] <= startMs) k++;
    this.cursor[r] = k;
    let t = startMs;
    let left = workMs;
    for (;;) {
      const next = k + 1 < b.length ? b[k + 1] : Infinity;
      const room = (next - t) / f[k];
      if (left <= room) return t + left * f[k];
      left -= room;
      t = next;
      k++;
    }
  }

  /** Extra ms a message of `bytes` sent by rank r at time t waits (0 without net interference). */
  sendDelayMs(r: number, t: number, bytes: number): number {
    const windows = this.net[r];
    if (windows.length === 0) return 0;
    const { baseMs, perMbMs, jitterMs } = this.model.net;
    let delay = 0;
    for (const w of windows) {
      if (t >= w.startMs && t < w.endMs) delay += w.intensity * (baseMs + (perMbMs * bytes) / 1e6) + w.random() * w.intensity * jitterMs;
    }
    return delay;
  }

  /** True when no rank ever slows or delays. */
  get quiet(): boolean {
    return this.breaks.every((b) => b.length === 1) && this.net.every((n) => n.length === 0);
  }
}
