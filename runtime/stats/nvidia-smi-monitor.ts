/**
 * GPU counters without an nvidia-smi spawn per window: one long-running
 * `nvidia-smi --query-gpu=... -lms <interval>` streams utilisation lines, and `read()` answers from
 * the latest one at once. The compute-process count changes only when processes come and go, so it
 * is queried once per `refreshApps()` (the caller knows when that happens, e.g. at a mix start) and
 * remembered. Whenever the stream has nothing fresh (not started yet, nvidia-smi gone, stalled) or
 * no process count is known yet, `read()` falls back to the one-shot queries of `NvidiaSmi`, so the
 * answers are never staler than `maxAgeMs` (utilisation) or the last `refreshApps()` (processes).
 */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { NvidiaSmi, QUERY_APPS_ARGS, QUERY_GPU_ARGS, parseComputeApps, parseQueryGpu, runTool, type GpuCounters, type RunTool } from './nvidia-smi.js';

/** The part of a child process the monitor uses (tests pass a fake). */
export interface StreamProcess {
  stdout: Readable | null;
  on(event: 'error', listener: (e: Error) => void): unknown;
  on(event: 'exit', listener: () => void): unknown;
  kill(): unknown;
}

export type StartStream = (file: string, args: readonly string[]) => StreamProcess;

const startStream: StartStream = (file, args) => spawn(file, [...args], { stdio: ['ignore', 'pipe', 'ignore'] });

export interface NvidiaSmiMonitorOptions {
  /** nvidia-smi's loop period. */
  intervalMs?: number;
  /** A streamed line older than this is not used (default: 5 periods). */
  maxAgeMs?: number;
  binary?: string;
  run?: RunTool;
  start?: StartStream;
  /** Milliseconds clock (default: performance.now). */
  now?: () => number;
}

export class NvidiaSmiMonitor {
  private readonly o: Required<NvidiaSmiMonitorOptions>;
  private readonly oneShot: NvidiaSmi;
  private proc: StreamProcess | null = null;
  private latest: { uuid: string; util: number; memUtil: number; at: number } | null = null;
  /** pids of compute processes on this GPU at the last refresh; null before the first. */
  private apps: number[] | null = null;

  constructor(
    private readonly gpuIndex: number,
    options: NvidiaSmiMonitorOptions = {},
  ) {
    const intervalMs = options.intervalMs ?? 100;
    this.o = {
      intervalMs,
      maxAgeMs: options.maxAgeMs ?? 5 * intervalMs,
      binary: options.binary ?? 'nvidia-smi',
      run: options.run ?? runTool,
      start: options.start ?? startStream,
      now: options.now ?? (() => performance.now()),
    };
    this.oneShot = new NvidiaSmi(gpuIndex, this.o.run, 2000, this.o.binary);
  }

  /** Starts the stream (idempotent). A missing nvidia-smi is not an error: `read()` then gives null. */
  start(): void {
    if (this.proc) return;
    const proc = this.o.start(this.o.binary, [...QUERY_GPU_ARGS, `-lms`, String(this.o.intervalMs)]);
    this.proc = proc;
    let pending = '';
    proc.stdout?.setEncoding('utf8');
    proc.stdout?.on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const gpu = parseQueryGpu(line).find((g) => g.index === this.gpuIndex);
        if (gpu) this.latest = { uuid: gpu.uuid, util: gpu.util, memUtil: gpu.memUtil, at: this.o.now() };
      }
    });
    const gone = (): void => {
      if (this.proc === proc) this.latest = null;
    };
    proc.on('error', gone);
    proc.on('exit', gone);
  }

  /** Re-counts the GPU's compute processes (one nvidia-smi call); on failure the count is unknown again. */
  async refreshApps(): Promise<void> {
    try {
      this.apps = null;
      const uuid = this.latest?.uuid ?? (await this.uuidOnce());
      if (uuid === null) return;
      this.apps = parseComputeApps(await this.o.run(this.o.binary, QUERY_APPS_ARGS, 2000))
        .filter((a) => a.uuid === uuid)
        .map((a) => a.pid);
    } catch {
      this.apps = null;
    }
  }

  /** The latest counters: streamed when fresh and the process count is known, else one-shot. */
  async read(selfPid: number = process.pid): Promise<GpuCounters | null> {
    const l = this.latest;
    if (l && this.apps && this.o.now() - l.at <= this.o.maxAgeMs) {
      return { util: l.util, memUtil: l.memUtil, otherProcs: this.apps.filter((p) => p !== selfPid).length };
    }
    return this.oneShot.read(selfPid);
  }

  stop(): void {
    const proc = this.proc;
    this.proc = null;
    this.latest = null;
    proc?.kill();
  }

  private async uuidOnce(): Promise<string | null> {
    const gpus = parseQueryGpu(await this.o.run(this.o.binary, QUERY_GPU_ARGS, 2000));
    return gpus.find((g) => g.index === this.gpuIndex)?.uuid ?? null;
  }
}
