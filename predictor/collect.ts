/**
 * The dataset collection loop, as a library over injected effects (run a workload, start a mix,
 * observe the host), so it runs the same with real processes or with fakes in a test.
 *
 *   0. profile: run every workload alone `profileRuns` times; its profiled step (and compute) time
 *      is the smallest per-run median — the best case, as a profiler on a quiet device would see.
 * Then for each (mix, repeat) not yet collected:
 *   1. start the mix's interferers (the quiet mix starts none);
 *   2. run every workload, each inside an observation window -> its step time under the mix and the
 *      device features seen while it ran (it is the "observer" of that window);
 *   3. stop the interferers (always, even on failure);
 *   4. emit one row per (target, observer) pair: static(target) + device(observer) -> slowdown(target),
 *      where slowdown = median step time under the mix / profiled step time.
 * Step 4's cross pairs are what teach the forest to answer "how would another block range run
 * here?" from observations made while a different range was running. Medians over microbatches
 * keep one descheduled microbatch from deciding a row. Load that other tenants put on the machine
 * counts as interference (the quiet mix measures it), exactly as it would for a running worker.
 */
import { DynpipeError } from '../runtime/errors.js';
import { deviceFeatures, type HostObservation } from './observation.js';
import { mixKey, type Mix } from './mix.js';
import { runKey, type DatasetRow } from './dataset.js';
import type { StaticFeatures } from './features.js';

/** A stage workload: a block range of a model at a batch size. */
export interface Workload {
  /** '<model>/<first>-<end>/b<batch>' */
  id: string;
  static: StaticFeatures;
}

export function workloadId(model: string, start: number, end: number, batch: number): string {
  return `${model}/${start}-${end}/b${batch}`;
}

/** Delay (ms) a send of `bytes` to `toRank` must wait; the transport's `setSendDelay` hook shape. */
export type SendDelay = (toRank: number, bytes: number) => number;

/** One measured run of a workload: several microbatches, each timed. */
export interface WorkloadRun {
  /** Forward+backward time of each microbatch. */
  computeMs: number[];
  /** Time each microbatch then waited to send its boundary activation (0 without a send). */
  sendWaitMs: number[];
  /** Sends made (0 when no send hook was given). */
  sends: number;
  /** Wall time of the whole run. */
  wallMs: number;
}

export interface RunningMix {
  /** The send delay the mix imposes (null when it has no net interferer). */
  sendDelay: SendDelay | null;
  stop(): Promise<void>;
}

export interface CollectIo {
  /** Runs `w` for a few microbatches, sending through `sendDelay` when given. */
  runWorkload(w: Workload, sendDelay: SendDelay | null): Promise<WorkloadRun>;
  /** Starts the interferers of `mix` and resolves once they are running. */
  startMix(mix: Mix): Promise<RunningMix>;
  /** Opens an observation window; the returned function closes it and reports what the host saw. */
  openWindow(): Promise<() => Promise<HostObservation>>;
}

export interface CollectPlan {
  workloads: readonly Workload[];
  mixes: readonly Mix[];
  repeats: number;
  /** Alone runs per workload in the profiling phase (>= 1). */
  profileRuns: number;
}

export interface CollectOptions {
  /** `runKey`s already collected (read from the output file): skipped. */
  done?: ReadonlySet<string>;
  /** Called after each (mix, repeat) with the number finished (including skipped) and the total. */
  onProgress?(finished: number, total: number): void;
}

/** Median step and compute time per microbatch of one run. */
interface RunSummary {
  stepMs: number;
  computeMs: number;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new DynpipeError('E_PREDICTOR', 'median of no values');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function summarize(r: WorkloadRun): RunSummary {
  if (r.computeMs.length === 0 || r.computeMs.length !== r.sendWaitMs.length) {
    throw new DynpipeError('E_PREDICTOR', `workload run reported ${r.computeMs.length} compute and ${r.sendWaitMs.length} send timings`);
  }
  return { stepMs: median(r.computeMs.map((c, i) => c + r.sendWaitMs[i])), computeMs: median(r.computeMs) };
}

/** Yields the rows of each collected (mix, repeat), in plan order; profiles only if something is left to collect. */
export async function* collect(plan: CollectPlan, io: CollectIo, options: CollectOptions = {}): AsyncGenerator<DatasetRow[]> {
  if (plan.workloads.length === 0) throw new DynpipeError('E_USAGE', 'collection needs at least one workload');
  if (!(Number.isInteger(plan.profileRuns) && plan.profileRuns >= 1)) throw new DynpipeError('E_USAGE', `profile runs must be an integer >= 1, got ${plan.profileRuns}`);
  const total = plan.mixes.length * plan.repeats;
  let profile: RunSummary[] | null = null;
  let finished = 0;
  for (const mix of plan.mixes) {
    const key = mixKey(mix);
    for (let repeat = 0; repeat < plan.repeats; repeat++) {
      if (!options.done?.has(runKey(key, repeat))) {
        profile ??= await profileAlone(plan, io);
        yield await collectOne(plan.workloads, profile, mix, key, repeat, io);
      }
      options.onProgress?.(++finished, total);
    }
  }
}

async function profileAlone(plan: CollectPlan, io: CollectIo): Promise<RunSummary[]> {
  const best = plan.workloads.map(() => ({ stepMs: Infinity, computeMs: Infinity }));
  for (let run = 0; run < plan.profileRuns; run++) {
    for (const [i, w] of plan.workloads.entries()) {
      const s = summarize(await io.runWorkload(w, null));
      best[i] = { stepMs: Math.min(best[i].stepMs, s.stepMs), computeMs: Math.min(best[i].computeMs, s.computeMs) };
    }
  }
  return best;
}

async function collectOne(workloads: readonly Workload[], profile: readonly RunSummary[], mix: Mix, key: string, repeat: number, io: CollectIo): Promise<DatasetRow[]> {
  const running = await io.startMix(mix);
  const under: WorkloadRun[] = [];
  const seen: HostObservation[] = [];
  try {
    for (const w of workloads) {
      const close = await io.openWindow();
      under.push(await io.runWorkload(w, running.sendDelay));
      seen.push(await close());
    }
  } finally {
    await running.stop();
  }
  const summaries = under.map(summarize);
  const devices = workloads.map((w, i) =>
    deviceFeatures(seen[i], {
      computeMsPerMicrobatch: summaries[i].computeMs,
      profiledComputeMsPerMicrobatch: profile[i].computeMs,
      flopsPerByte: w.static.flops_per_byte,
      waitMs: under[i].sendWaitMs.reduce((a, b) => a + b, 0),
      sends: under[i].sends,
      sendWaitMs: under[i].sendWaitMs.reduce((a, b) => a + b, 0),
      windowMs: under[i].wallMs,
    }),
  );
  const rows: DatasetRow[] = [];
  workloads.forEach((target, t) => {
    const aloneMs = profile[t].stepMs;
    const interferedMs = summaries[t].stepMs;
    workloads.forEach((observer, o) => {
      rows.push({ mix: key, repeat, target: target.id, observer: observer.id, aloneMs, interferedMs, static: target.static, device: devices[o], slowdown: interferedMs / aloneMs });
    });
  });
  return rows;
}
