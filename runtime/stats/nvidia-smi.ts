/**
 * GPU counters from `nvidia-smi`, when it exists: utilisation of the worker's GPU and how many other
 * compute processes share it. A host without nvidia-smi (or where it fails) gives null features,
 * never an error: the predictor treats them as unobservable.
 */
import { execFile } from 'node:child_process';

export interface GpuCounters {
  /** utilization.gpu, 0-1 */
  util: number;
  /** utilization.memory (memory controller busy share), 0-1 */
  memUtil: number;
  /** Compute processes on this GPU other than `selfPid`. */
  otherProcs: number;
}

export const QUERY_GPU_ARGS = ['--query-gpu=index,uuid,utilization.gpu,utilization.memory', '--format=csv,noheader,nounits'];
export const QUERY_APPS_ARGS = ['--query-compute-apps=pid,gpu_uuid', '--format=csv,noheader,nounits'];

interface GpuLine {
  index: number;
  uuid: string;
  util: number;
  memUtil: number;
}

/** Parses `nvidia-smi --query-gpu=index,uuid,utilization.gpu,utilization.memory --format=csv,noheader,nounits`. */
export function parseQueryGpu(text: string): GpuLine[] {
  const out: GpuLine[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(',').map((s) => s.trim());
    if (f.length !== 4) continue;
    const [index, util, memUtil] = [Number(f[0]), Number(f[2]), Number(f[3])];
    // '[N/A]' or '[Not Supported]' fields make the whole GPU unobservable.
    if ([index, util, memUtil].every(Number.isFinite)) out.push({ index, uuid: f[1], util: util / 100, memUtil: memUtil / 100 });
  }
  return out;
}

/** Parses `nvidia-smi --query-compute-apps=pid,gpu_uuid --format=csv,noheader,nounits` into (pid, gpu uuid) pairs. */
export function parseComputeApps(text: string): Array<{ pid: number; uuid: string }> {
  const out: Array<{ pid: number; uuid: string }> = [];
  for (const line of text.split('\n')) {
    const f = line.split(',').map((s) => s.trim());
    if (f.length === 2 && /^\d+$/.test(f[0])) out.push({ pid: Number(f[0]), uuid: f[1] });
  }
  return out;
}

export function gpuCounters(queryGpu: string, computeApps: string, gpuIndex: number, selfPid: number): GpuCounters | null {
  const gpu = parseQueryGpu(queryGpu).find((g) => g.index === gpuIndex);
  if (!gpu) return null;
  const otherProcs = parseComputeApps(computeApps).filter((a) => a.uuid === gpu.uuid && a.pid !== selfPid).length;
  return { util: gpu.util, memUtil: gpu.memUtil, otherProcs };
}

export type RunTool = (file: string, args: readonly string[], timeoutMs: number) => Promise<string>;

export const runTool: RunTool = (file, args, timeoutMs) =>
  new Promise((resolve, reject) => {
    execFile(file, [...args], { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });

/**
 * Queries nvidia-smi for GPU `gpuIndex`. Remembers a missing binary (ENOENT) so later windows do not
 * spawn again; any other failure yields null for this window only.
 */
export class NvidiaSmi {
  private absent = false;

  constructor(
    private readonly gpuIndex: number,
    private readonly run: RunTool = runTool,
    private readonly timeoutMs = 2000,
    private readonly binary = 'nvidia-smi',
  ) {}

  async read(selfPid: number = process.pid): Promise<GpuCounters | null> {
    if (this.absent) return null;
    try {
      const [q, a] = await Promise.all([this.run(this.binary, QUERY_GPU_ARGS, this.timeoutMs), this.run(this.binary, QUERY_APPS_ARGS, this.timeoutMs)]);
      return gpuCounters(q, a, this.gpuIndex, selfPid);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') this.absent = true;
      return null;
    }
  }
}
