/**
 * Linux /proc/stat: cumulative CPU time per core and in total (in clock ticks), and the number of
 * runnable tasks. Utilisation is the busy share of the ticks that passed between two samples.
 * Parsing is pure; reading the file is the caller's job (host-stats.ts).
 */
import { DynpipeError } from '../errors.js';

export interface CpuTicks {
  /** user + nice + system + irq + softirq + steal (guest time is already inside user/nice). */
  busy: number;
  /** idle + iowait */
  idle: number;
}

export interface ProcStat {
  total: CpuTicks;
  /** Per core, by core id (`cpu3` -> cores.get(3)). */
  cores: ReadonlyMap<number, CpuTicks>;
  /** Tasks runnable right now, the reader included. */
  procsRunning: number;
}

function ticks(fields: readonly string[], line: string): CpuTicks {
  const n = fields.map(Number);
  if (n.length < 4 || n.some((x) => !Number.isFinite(x))) throw new DynpipeError('E_IO', `/proc/stat: cannot read CPU times from '${line}'`);
  const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = n;
  return { busy: user + nice + system + irq + softirq + steal, idle: idle + iowait };
}

export function parseProcStat(text: string): ProcStat {
  let total: CpuTicks | undefined;
  const cores = new Map<number, CpuTicks>();
  let procsRunning = NaN;
  for (const line of text.split('\n')) {
    const [key, ...rest] = line.trim().split(/\s+/);
    if (key === 'cpu') total = ticks(rest, line);
    else if (/^cpu\d+$/.test(key)) cores.set(Number(key.slice(3)), ticks(rest, line));
    else if (key === 'procs_running') procsRunning = Number(rest[0]);
  }
  if (total === undefined || cores.size === 0 || !Number.isFinite(procsRunning)) {
    throw new DynpipeError('E_IO', '/proc/stat: missing the cpu, cpuN or procs_running lines');
  }
  return { total, cores, procsRunning };
}

/**
 * Busy share in [0, 1] of the ticks between samples `a` and `b`, over `cores` (all cores when
 * omitted or empty). No ticks passed (samples too close) reads as 0.
 */
export function busyShare(a: ProcStat, b: ProcStat, cores?: readonly number[]): number {
  const pick = (s: ProcStat): CpuTicks => {
    if (!cores || cores.length === 0) return s.total;
    let busy = 0;
    let idle = 0;
    for (const c of cores) {
      const t = s.cores.get(c);
      if (!t) throw new DynpipeError('E_USAGE', `core ${c} is not in /proc/stat (cores: ${[...s.cores.keys()].join(',')})`);
      busy += t.busy;
      idle += t.idle;
    }
    return { busy, idle };
  };
  const [x, y] = [pick(a), pick(b)];
  const busy = y.busy - x.busy;
  const all = busy + (y.idle - x.idle);
  return all > 0 ? Math.min(1, Math.max(0, busy / all)) : 0;
}

/** Parses a kernel CPU list such as '0-3,8' (the Cpus_allowed_list line of /proc/self/status). */
export function parseCpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    if (part === '') continue;
    const [lo, hi = lo] = part.split('-').map(Number);
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) throw new DynpipeError('E_IO', `cannot read CPU list '${text}'`);
    for (let c = lo; c <= hi; c++) out.push(c);
  }
  return out;
}
