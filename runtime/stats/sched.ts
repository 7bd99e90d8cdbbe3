/**
 * Scheduler counters a process can read about itself without privileges, as pure parsers:
 *  - /proc/<pid>/task/<tid>/schedstat: "<ns on a CPU> <ns runnable but waiting on a run queue>
 *    <timeslices>" per thread. The wait share of a window is the most direct sign of CPU
 *    contention: a thread that wants a core and does not get one.
 *  - /proc/pressure/cpu (PSI, Linux >= 4.20): "some avg10=.. avg60=.. avg300=.. total=<us>", the
 *    cumulative time in which at least one task of the machine waited for a CPU.
 * Reading the files is the caller's job (host-stats.ts).
 */
import { DynpipeError } from '../errors.js';

export interface ThreadSchedstat {
  runNs: number;
  waitNs: number;
}

export function parseSchedstat(text: string, where = 'schedstat'): ThreadSchedstat {
  const [run, wait] = text.trim().split(/\s+/).map(Number);
  if (!(Number.isFinite(run) && Number.isFinite(wait))) throw new DynpipeError('E_IO', `${where}: expected '<run ns> <wait ns> <slices>', got '${text.trim()}'`);
  return { runNs: run, waitNs: wait };
}

/** The cumulative stall time (µs) of the `kind` line of a PSI file. */
export function parsePressureTotalUs(text: string, kind: 'some' | 'full', where = 'pressure'): number {
  const line = text.split('\n').find((l) => l.startsWith(`${kind} `));
  const m = line === undefined ? null : /\btotal=(\d+)\b/.exec(line);
  if (m === null) throw new DynpipeError('E_IO', `${where}: no '${kind} ... total=<us>' line`);
  return Number(m[1]);
}

/** Share in [0, 1] of `wallUs` that a cumulative counter (µs) grew by between two samples. */
export function growthShare(beforeUs: number, afterUs: number, wallUs: number): number {
  return wallUs > 0 ? Math.min(1, Math.max(0, (afterUs - beforeUs) / wallUs)) : 0;
}
