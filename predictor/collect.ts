/**
 * The dataset collection loop, as a library over injected effects (run a workload, start, pause
 * and resume a mix, observe the host), so it runs the same with real processes or with fakes.
 *
 * For each (mix, repeat) not yet collected:
 *   1. start the mix's interferers (the quiet mix starts none);
 *   2. for each workload, `rounds` times: one run alone (mix paused) and one run under the mix,
 *      in alternating order (alone first in even rounds, interfered first in odd ones), each
 *      interfered run inside an observation window;
 *   3. stop the interferers (always, even on failure);
 *   4. emit one row per (target, observer) pair: static(target) + device(observer) -> slowdown(target),
 *      where slowdown = median step time of the target's interfered microbatches / median of its
 *      alone ones.
 *
 * Noise control: the alone baseline is measured minutes, not hours, apart from the interfered runs
 * it divides — interleaved with them, in ABBA order — so a slow drift of the host's background load
 * (other tenants) cancels out of the ratio, and medians over microbatches keep one descheduled
 * microbatch from deciding a row. The same interleaved alone median stands in for the observer's
 * profiled compute time in its `self_compute_ratio`: on a quiet device the two agree.
 *
 * Step 4's cross pairs are what teach the forest to answer "how would another block range run
 * here?" from observations made while a different range was running.
 */
import { DynpipeError } from '../runtime/errors.js';
import { deviceFeatures, meanObservation, type HostObservation } from './observation.js';
import { mixKey, type Mix } from './mix.js';
import { runKey, type DatasetRow } from './dataset.js';
import { withAloneMs, type RangeFeatures } from './features.js';

/** A stage workload: a block range of a model at a batch size. */
export interface Workload {
  /** '<model>/<first>-<end>/b<batch>' */
  id: string;
  /** The model-derived static features; rows add the measured `alone_ms`. */
  static: RangeFeatures;
}

export function workloadId(model: string, start: number, end: number, batch: number): string {
  return `${model}/${start}-${end}/b${batch}`;
}

/** Delay (ms) a send of `bytes` to `toRank` must wait; the transport's `setSendDelay` hook shape. */
export type SendDelay = (toRank: number, bytes: number) => number;

/** One measured run of a workload: several microbatches, each timed. */
export interface WorkloadRun {
  /** Compute time of each microbatch (forward, backward, optimizer step, downloads). */
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
  /** Resolves once the mix's interferers have stopped working (they stay ready to resume). */
  pause(): Promise<void>;
  /** Resolves once they work again. */
  resume(): Promise<void>;
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
  /** Alone/interfered run pairs per workload in each (mix, repeat) (>= 1). */
  rounds: number;
}

export interface CollectOptions {
  /** `runKey`s already collected (read from the output file): skipped. */
  done?: ReadonlySet<string>;
  /** Called after each (mix, repeat) with the number finished (including skipped) and the total. */
  onProgress?(finished: number, total: number): void;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new DynpipeError('E_PREDICTOR', 'median of no values');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Everything measured about one workload in one (mix, repeat). */
interface WorkloadMeasurement {
  alone: WorkloadRun[];
  under: WorkloadRun[];
  seen: HostObservation[];
}

/** Median step (compute + send wait) and compute time per microbatch over runs. */
function summarize(runs: readonly WorkloadRun[]): { stepMs: number; computeMs: number } {
  for (const r of runs) {
    if (r.computeMs.length === 0 || r.computeMs.length !== r.sendWaitMs.length) {
      throw new DynpipeError('E_PREDICTOR', `workload run reported ${r.computeMs.length} compute and ${r.sendWaitMs.length} send timings`);
    }
  }
  return {
    stepMs: median(runs.flatMap((r) => r.computeMs.map((c, i) => c + r.sendWaitMs[i]))),
    computeMs: median(runs.flatMap((r) => r.computeMs)),
  };
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** Yields the rows of each collected (mix, repeat), in plan order. */
export async function* collect(plan: CollectPlan, io: CollectIo, options: CollectOptions = {}): AsyncGenerator<DatasetRow[]> {
  if (plan.workloads.length === 0) throw new DynpipeError('E_USAGE', 'collection needs at least one workload');
  if (!(Number.isInteger(plan.rounds) && plan.rounds >= 1)) throw new DynpipeError('E_USAGE', `rounds must be an integer >= 1, got ${plan.rounds}`);
  const total = plan.mixes.length * plan.repeats;
  let finished = 0;
  for (const mix of plan.mixes) {
    const key = mixKey(mix);
    for (let repeat = 0; repeat < plan.repeats; repeat++) {
      if (!options.done?.has(runKey(key, repeat))) {
        const measured = await measureMix(plan, mix, io);
        yield rowsOf(plan.workloads, measured, key, repeat);
      }
      options.onProgress?.(++finished, total);
    }
  }
}

async function measureMix(plan: CollectPlan, mix: Mix, io: CollectIo): Promise<WorkloadMeasurement[]> {
  const running = await io.startMix(mix);
  try {
    const out: WorkloadMeasurement[] = [];
    for (const w of plan.workloads) {
      const m: WorkloadMeasurement = { alone: [], under: [], seen: [] };
      const alone = async (): Promise<void> => {
        await running.pause();
        m.alone.push(await io.runWorkload(w, null));
        await running.resume();
      };
      const under = async (): Promise<void> => {
        const close = await io.openWindow();
        m.under.push(await io.runWorkload(w, running.sendDelay));
        m.seen.push(await close());
      };
      for (let round = 0; round < plan.rounds; round++) {
        for (const phase of round % 2 === 0 ? [alone, under] : [under, alone]) await phase();
      }
      out.push(m);
    }
    return out;
  } finally {
    await running.stop();
  }
}

function rowsOf(workloads: readonly Workload[], measured: readonly WorkloadMeasurement[], key: string, repeat: number): DatasetRow[] {
  const alone = measured.map((m) => summarize(m.alone));
  const under = measured.map((m) => summarize(m.under));
  const devices = workloads.map((w, i) => {
    const runs = measured[i].under;
    const waitMs = sum(runs.flatMap((r) => r.sendWaitMs));
    return deviceFeatures(meanObservation(measured[i].seen), {
      computeMsPerMicrobatch: under[i].computeMs,
      profiledComputeMsPerMicrobatch: alone[i].computeMs,
      flopsPerByte: w.static.flops_per_byte,
      waitMs,
      sends: sum(runs.map((r) => r.sends)),
      sendWaitMs: waitMs,
      windowMs: sum(runs.map((r) => r.wallMs)),
    });
  });
  const rows: DatasetRow[] = [];
  workloads.forEach((target, t) => {
    workloads.forEach((observer, o) => {
      rows.push({
        mix: key,
        repeat,
        target: target.id,
        observer: observer.id,
        interferedMs: under[t].stepMs,
        static: withAloneMs(target.static, alone[t].stepMs),
        device: devices[o],
        slowdown: under[t].stepMs / alone[t].stepMs,
      });
    });
  });
  return rows;
}
