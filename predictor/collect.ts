/**
 * The dataset collection loop, as a library over injected effects (run a workload, start a mix,
 * observe the host), so it runs the same with real processes or with fakes in a test.
 *
 * For each (mix, repeat) not yet collected:
 *   1. run every workload alone                 -> alone step time and alone compute time;
 *   2. start the mix's interferers;
 *   3. run every workload again, each inside an observation window -> its interfered step time and
 *      the device features seen while it ran (it is the "observer" of that window);
 *   4. stop the interferers (always, even on failure);
 *   5. emit one row per (target, observer) pair: static(target) + device(observer) -> slowdown(target).
 * Step 5's cross pairs are what teach the forest to answer "how would another block range run
 * here?" from observations made while a different range was running.
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

/** Totals over one measured run of a workload (several microbatches). */
export interface WorkloadRun {
  microbatches: number;
  /** Time in forward+backward compute, all microbatches. */
  computeMs: number;
  /** Time blocked sending the boundary activation, all microbatches. */
  sendWaitMs: number;
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
}

export interface CollectOptions {
  /** `runKey`s already collected (read from the output file): skipped. */
  done?: ReadonlySet<string>;
  /** Called after each (mix, repeat) with the number finished (including skipped) and the total. */
  onProgress?(finished: number, total: number): void;
}

function stepMs(r: WorkloadRun): number {
  if (!(r.microbatches > 0)) throw new DynpipeError('E_PREDICTOR', `workload run reported ${r.microbatches} microbatches`);
  return (r.computeMs + r.sendWaitMs) / r.microbatches;
}

/** Yields the rows of each collected (mix, repeat), in plan order. */
export async function* collect(plan: CollectPlan, io: CollectIo, options: CollectOptions = {}): AsyncGenerator<DatasetRow[]> {
  if (plan.workloads.length === 0) throw new DynpipeError('E_USAGE', 'collection needs at least one workload');
  const total = plan.mixes.length * plan.repeats;
  let finished = 0;
  for (const mix of plan.mixes) {
    const key = mixKey(mix);
    for (let repeat = 0; repeat < plan.repeats; repeat++) {
      if (!options.done?.has(runKey(key, repeat))) yield await collectOne(plan.workloads, mix, key, repeat, io);
      options.onProgress?.(++finished, total);
    }
  }
}

async function collectOne(workloads: readonly Workload[], mix: Mix, key: string, repeat: number, io: CollectIo): Promise<DatasetRow[]> {
  const alone: WorkloadRun[] = [];
  for (const w of workloads) alone.push(await io.runWorkload(w, null));
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
  const devices = workloads.map((w, i) =>
    deviceFeatures(seen[i], {
      computeMsPerMicrobatch: under[i].computeMs / under[i].microbatches,
      profiledComputeMsPerMicrobatch: alone[i].computeMs / alone[i].microbatches,
      flopsPerByte: w.static.flops_per_byte,
      waitMs: under[i].sendWaitMs,
      sends: under[i].sends,
      sendWaitMs: under[i].sendWaitMs,
      windowMs: under[i].wallMs,
    }),
  );
  const rows: DatasetRow[] = [];
  workloads.forEach((target, t) => {
    const aloneMs = stepMs(alone[t]);
    const interferedMs = stepMs(under[t]);
    workloads.forEach((observer, o) => {
      rows.push({ mix: key, repeat, target: target.id, observer: observer.id, aloneMs, interferedMs, static: target.static, device: devices[o], slowdown: interferedMs / aloneMs });
    });
  });
  return rows;
}
