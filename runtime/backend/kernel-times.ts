/**
 * Per-kernel device time of a piece of work, from tfjs's profiler (`tf.profile`), so the next
 * slow kernel is visible without guessing. On webgpu each kernel's time is the sum of its
 * programs' GPU time from timestamp queries (webgpu.ts requests `timestamp-query`); without the
 * feature tfjs reports 0. On cpu and wasm it is the kernel's wall time. Profiling runs every
 * kernel in its own submission, so the total is above an unprofiled run's time.
 *
 * `profileKernels` runs the work; the rest is pure: grouping and formatting.
 */
import * as tf from '@tensorflow/tfjs-core';

/** One kernel call as the profiler saw it. */
export interface KernelCall {
  readonly kernel: string;
  readonly inputShapes: ReadonlyArray<readonly number[] | null>;
  readonly ms: number;
  /** tfjs's detail, e.g. the programs a webgpu kernel ran and their times. */
  readonly detail: string;
}

/** Calls grouped by kernel name, or by kernel name and input shapes. */
export interface KernelTimeRow {
  readonly kernel: string;
  /** '' when grouped by name only; else the input shapes, e.g. '[256,32,32,64] [3,3,64,64]'. */
  readonly shapes: string;
  readonly calls: number;
  readonly totalMs: number;
  /** totalMs as a fraction of all calls' time. */
  readonly share: number;
}

/** Runs `work` under tfjs's profiler and returns its kernel calls in order; `work`'s results are disposed. */
export async function profileKernels(work: () => tf.TensorContainer): Promise<KernelCall[]> {
  const info = await tf.profile(work);
  tf.dispose(info.result);
  return info.kernels.map((k) => ({
    kernel: k.name,
    inputShapes: k.inputShapes.map((s) => (s === null ? null : [...s])),
    ms: typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : NaN,
    detail: typeof k.extraInfo === 'string' ? k.extraInfo : '',
  }));
}

export function shapesLabel(shapes: KernelCall['inputShapes']): string {
  return shapes.map((s) => (s === null ? '-' : `[${s.join(',')}]`)).join(' ');
}

/**
 * Sums calls by kernel name (`byShape` false) or by name and input shapes, largest total first
 * (ties by name, then shapes). A call whose time is unknown (NaN) counts as a call of 0 ms.
 */
export function groupKernelTimes(calls: readonly KernelCall[], byShape: boolean): KernelTimeRow[] {
  const groups = new Map<string, { kernel: string; shapes: string; calls: number; totalMs: number }>();
  let all = 0;
  for (const c of calls) {
    const shapes = byShape ? shapesLabel(c.inputShapes) : '';
    const key = `${c.kernel}\n${shapes}`;
    const g = groups.get(key) ?? { kernel: c.kernel, shapes, calls: 0, totalMs: 0 };
    const ms = Number.isFinite(c.ms) ? c.ms : 0;
    g.calls += 1;
    g.totalMs += ms;
    all += ms;
    groups.set(key, g);
  }
  return [...groups.values()]
    .map((g) => ({ ...g, share: all > 0 ? g.totalMs / all : 0 }))
    .sort((a, b) => b.totalMs - a.totalMs || a.kernel.localeCompare(b.kernel) || a.shapes.localeCompare(b.shapes));
}

/** A markdown table of the first `top` rows, with a last line for the rest and the total. */
export function kernelTimeTable(rows: readonly KernelTimeRow[], top: number): string {
  const byShape = rows.some((r) => r.shapes !== '');
  const header = byShape ? '| kernel | input shapes | calls | ms | share |' : '| kernel | calls | ms | share |';
  const rule = byShape ? '|---|---|---:|---:|---:|' : '|---|---:|---:|---:|';
  const line = (r: Pick<KernelTimeRow, 'kernel' | 'shapes' | 'calls' | 'totalMs' | 'share'>) =>
    byShape
      ? `| ${r.kernel} | ${r.shapes} | ${r.calls} | ${r.totalMs.toFixed(3)} | ${(100 * r.share).toFixed(1)}% |`
      : `| ${r.kernel} | ${r.calls} | ${r.totalMs.toFixed(3)} | ${(100 * r.share).toFixed(1)}% |`;
  const shown = rows.slice(0, top).map(line);
  const rest = rows.slice(top);
  if (rest.length > 0) {
    const sum = (xs: readonly KernelTimeRow[], f: (r: KernelTimeRow) => number) => xs.reduce((s, r) => s + f(r), 0);
    shown.push(line({ kernel: `(${rest.length} more)`, shapes: '', calls: sum(rest, (r) => r.calls), totalMs: sum(rest, (r) => r.totalMs), share: sum(rest, (r) => r.share) }));
  }
  const total = rows.reduce((s, r) => s + r.totalMs, 0);
  const calls = rows.reduce((s, r) => s + r.calls, 0);
  shown.push(line({ kernel: '**total**', shapes: '', calls, totalMs: total, share: total > 0 ? 1 : 0 }));
  return [header, rule, ...shown].join('\n');
}
