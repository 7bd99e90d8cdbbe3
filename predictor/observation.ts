/**
 * Turns what a worker observes during one window into the device features of `features.ts`.
 * The host half comes from `runtime/stats/host-stats.ts`; the stage half from the worker's own
 * timers. Pure: the coordinator calls it on numbers the workers report.
 */
import { DynpipeError } from '../runtime/errors.js';
import type { DeviceFeatures } from './features.js';

/** Host counters over a window, already in feature units (see `FEATURES` for each one's meaning). */
export type HostObservation = Pick<
  DeviceFeatures,
  | 'cpu_self'
  | 'cpu_peer'
  | 'cpu_util_cores'
  | 'cpu_util_machine'
  | 'procs_running_per_core'
  | 'runq_wait_fraction'
  | 'cpu_pressure'
  | 'load_avg_per_core'
  | 'membw_probe_gbps'
  | 'gpu_util'
  | 'gpu_mem_util'
  | 'gpu_procs'
>;

/** What the stage running on the device (the observer) measured about itself over the same window. */
export interface StageObservation {
  /** Mean compute time per microbatch in the window. */
  computeMsPerMicrobatch: number;
  /** The same stage's compute time per microbatch when profiled alone. */
  profiledComputeMsPerMicrobatch: number;
  /** The observer's `flops_per_byte` static feature. */
  flopsPerByte: number;
  /** Time spent blocked in send or receive during the window. */
  waitMs: number;
  /** Sends completed in the window (0 when it sent nothing). */
  sends: number;
  /** Time spent blocked in send during the window (part of `waitMs`). */
  sendWaitMs: number;
  windowMs: number;
}

/**
 * Field-wise mean of several windows' observations (of about equal length); a nullable field is
 * null when any window could not observe it.
 */
export function meanObservation(windows: readonly HostObservation[]): HostObservation {
  if (windows.length === 0) throw new DynpipeError('E_PREDICTOR', 'mean of no observation windows');
  const keys = Object.keys(windows[0]) as Array<keyof HostObservation>;
  const out = {} as Record<keyof HostObservation, number | null>;
  for (const k of keys) {
    const values = windows.map((w) => w[k]);
    out[k] = values.some((v) => v === null) ? null : (values as number[]).reduce((a, b) => a + b, 0) / values.length;
  }
  return out as HostObservation;
}

export function deviceFeatures(host: HostObservation, stage: StageObservation): DeviceFeatures {
  const positive = (x: number, what: string): number => {
    if (!(Number.isFinite(x) && x > 0)) throw new DynpipeError('E_PREDICTOR', `stage observation: ${what} must be > 0, got ${x}`);
    return x;
  };
  const window = positive(stage.windowMs, 'windowMs');
  const ratio = stage.computeMsPerMicrobatch / positive(stage.profiledComputeMsPerMicrobatch, 'profiledComputeMsPerMicrobatch');
  return {
    self_compute_ratio: positive(ratio, 'computeMsPerMicrobatch'),
    self_flops_per_byte: stage.flopsPerByte,
    wait_fraction: Math.min(1, Math.max(0, stage.waitMs / window)),
    send_wait_ms: stage.sends > 0 ? stage.sendWaitMs / stage.sends : 0,
    cpu_self: host.cpu_self,
    cpu_peer: host.cpu_peer,
    cpu_util_cores: host.cpu_util_cores,
    cpu_util_machine: host.cpu_util_machine,
    procs_running_per_core: host.procs_running_per_core,
    runq_wait_fraction: host.runq_wait_fraction,
    cpu_pressure: host.cpu_pressure,
    load_avg_per_core: host.load_avg_per_core,
    membw_probe_gbps: host.membw_probe_gbps,
    gpu_util: host.gpu_util,
    gpu_mem_util: host.gpu_mem_util,
    gpu_procs: host.gpu_procs,
  };
}
