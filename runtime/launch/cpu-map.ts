/**
 * `--cpu-map`: the cores each rank is pinned to, one taskset list per rank. Entries are separated by
 * ';' when the text has one (so an entry may itself be a list: "0-1;2,3;4;5"), else by ','
 * ("0,0,1,1": one core each). Pure.
 */
import { DynpipeError } from '../errors.js';
import { parseCores } from '../../predictor/mix.js';

export interface CpuMap {
  /** Per rank, the taskset list exactly as given (e.g. '0-1'). */
  cpuSets: string[];
  /** Per rank, the cores of that list, ascending. */
  cores: number[][];
}

/** Parses `text` for `ranks` ranks; E_USAGE names the flag and the entry at fault. */
export function parseCpuMap(text: string, ranks: number, flag = '--cpu-map'): CpuMap {
  const entries = text.split(text.includes(';') ? ';' : ',').map((e) => e.trim());
  if (entries.length !== ranks) throw new DynpipeError('E_USAGE', `${flag}: expected one core list per rank (${ranks}), got ${entries.length} in '${text}'`);
  const cores = entries.map((e, rank) => {
    const list = parseCores(e, 'E_USAGE', `${flag} rank ${rank}`);
    if (list.length === 0) throw new DynpipeError('E_USAGE', `${flag}: rank ${rank} needs at least one core, got '${e}'`);
    return list;
  });
  return { cpuSets: entries, cores };
}
