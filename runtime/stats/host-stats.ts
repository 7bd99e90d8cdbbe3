/**
 * Host-level observations a worker takes every window, cheaply and without privileges:
 * /proc/stat busy shares (its own cores and the machine), its own CPU time and run-queue wait
 * (schedstat of its main thread), runnable tasks (sampled at both ends of the window), load average,
 * CPU pressure (PSI, where the kernel has it), a 4 MiB copy probe, and nvidia-smi GPU counters
 * where nvidia-smi exists (else null). Produces `HostObservation`, the host half of the
 * predictor's device features.
 *
 * Usage: `const end = sampler.begin(); ...work...; const obs = await end();`
 * Cost per window: a few small file reads at each end, a ~0.5 ms copy
 * probe, and (with a GPU) two nvidia-smi calls run asynchronously.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { DynpipeError } from '../errors.js';
import type { HostObservation } from '../../predictor/observation.js';
import { busyShare, parseCpuList, parseProcStat, type ProcStat } from './proc-stat.js';
import { MembwProbe } from './membw-probe.js';
import { growthShare, parsePressureTotalUs, parseSchedstat } from './sched.js';
import { NvidiaSmi } from './nvidia-smi.js';

export interface HostSamplerOptions {
  /** Cores the worker may run on; default: this process's Cpus_allowed_list. */
  cores?: readonly number[];
  /** GPU whose counters to read via nvidia-smi; null: none (GPU features null). Default 0. */
  gpuIndex?: number | null;
  /** Replaces nvidia-smi (tests). */
  nvidiaSmi?: Pick<NvidiaSmi, 'read'>;
}

function readProcStat(): ProcStat {
  try {
    return parseProcStat(readFileSync('/proc/stat', 'utf8'));
  } catch (e) {
    if (e instanceof DynpipeError) throw e;
    throw new DynpipeError('E_IO', `cannot read /proc/stat: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Nanoseconds the main thread (where tfjs runs its kernels and JavaScript) has waited on a run
 * queue so far; null where schedstat is missing. Other threads are left out: V8's helper threads
 * wait whenever garbage collection runs concurrently, which says nothing about the stage.
 */
function readRunqueueWaitNs(): number | null {
  const path = `/proc/self/task/${process.pid}/schedstat`;
  try {
    return parseSchedstat(readFileSync(path, 'utf8'), path).waitNs;
  } catch {
    return null;
  }
}

/** Cumulative µs in which some task of the machine waited for a CPU (PSI); null without PSI. */
function readCpuPressureUs(): number | null {
  try {
    return parsePressureTotalUs(readFileSync('/proc/pressure/cpu', 'utf8'), 'some', '/proc/pressure/cpu');
  } catch {
    return null;
  }
}

/** Cores this process may run on (/proc/self/status Cpus_allowed_list). */
export function allowedCores(): number[] {
  const status = readFileSync('/proc/self/status', 'utf8');
  const line = /^Cpus_allowed_list:\s*(.+)$/m.exec(status);
  if (!line) throw new DynpipeError('E_IO', '/proc/self/status has no Cpus_allowed_list line');
  return parseCpuList(line[1]);
}

export class HostSampler {
  readonly cores: readonly number[];
  private readonly probe = new MembwProbe();
  private readonly smi: Pick<NvidiaSmi, 'read'> | null;

  constructor(options: HostSamplerOptions = {}) {
    this.cores = options.cores ?? allowedCores();
    const gpu = options.gpuIndex === undefined ? 0 : options.gpuIndex;
    this.smi = options.nvidiaSmi ?? (gpu === null ? null : new NvidiaSmi(gpu));
    busyShare(readProcStat(), readProcStat(), this.cores); // fails now, not mid-run, on a bad core list
  }

  /** Starts a window; the returned function ends it and reports what the host saw during it. */
  begin(): () => Promise<HostObservation> {
    const stat0 = readProcStat();
    const wait0 = readRunqueueWaitNs();
    const pressure0 = readCpuPressureUs();
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    return async () => {
      const stat1 = readProcStat();
      const wait1 = readRunqueueWaitNs();
      const pressure1 = readCpuPressureUs();
      const cpu = process.cpuUsage(cpu0);
      const wallUs = Number(process.hrtime.bigint() - t0) / 1000;
      const ncores = stat1.cores.size;
      const cpuSelf = wallUs > 0 ? (cpu.user + cpu.system) / wallUs : 0;
      const machine = busyShare(stat0, stat1);
      const membw = this.probe.measure();
      const gpu = this.smi ? await this.smi.read() : null;
      return {
        cpu_self: cpuSelf,
        cpu_peer: Math.max(0, machine * ncores - cpuSelf),
        cpu_util_cores: busyShare(stat0, stat1, this.cores),
        cpu_util_machine: machine,
        // Both samples count the reader itself.
        procs_running_per_core: Math.max(0, (stat0.procsRunning + stat1.procsRunning) / 2 - 1) / ncores,
        runq_wait_fraction: wait0 === null || wait1 === null ? null : growthShare(wait0 / 1000, wait1 / 1000, wallUs),
        cpu_pressure: pressure0 === null || pressure1 === null ? null : growthShare(pressure0, pressure1, wallUs),
        load_avg_per_core: loadavg()[0] / ncores,
        membw_probe_gbps: membw,
        gpu_util: gpu ? gpu.util : null,
        gpu_mem_util: gpu ? gpu.memUtil : null,
        gpu_procs: gpu ? gpu.otherProcs : null,
      };
    };
  }
}
