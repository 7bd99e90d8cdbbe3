/**
 * Re-slicing a checkpoint: state is kept per block, not per stage, so a job can resume under any
 * plan of the same model (another split, another rank count). Given the files of a set and the
 * blocks a rank owns now, `blockSources` says which file to read each block from — the same
 * question a live migration answers with "which rank sends it". Pure.
 *
 * Choice of file, for each block: the rank's own file when it holds the block (a job resumed
 * under its own plan reads nothing else), otherwise the holder with the lowest rank (replicas of a
 * stage hold equal copies, so any holder is right; the lowest makes the choice reproducible).
 */
import { DynpipeError } from '../errors.js';
import { type Plan, stageOfRank, stageRanges } from '../plan/plan.js';
import type { RankFileRecord } from './manifest.js';

export interface BlockSource {
  file: string;
  rank: number;
  /** The wanted blocks this file supplies, ascending. */
  blocks: number[];
}

/** The blocks `rank` owns under `plan`, ascending. */
export function blocksOfRank(plan: Plan, rank: number): number[] {
  const [a, b] = stageRanges(plan)[stageOfRank(plan, rank)];
  return Array.from({ length: b - a }, (_, k) => a + k);
}

/**
 * The files to read `blocks` from, one entry per file (ascending rank), each block exactly once.
 * E_CHECKPOINT names `source` and the first block no file holds.
 */
export function blockSources(files: readonly RankFileRecord[], blocks: readonly number[], preferRank: number, source = 'checkpoint'): BlockSource[] {
  const byRank = [...files].sort((x, y) => x.rank - y.rank);
  const chosen = new Map<number, BlockSource>();
  for (const b of [...new Set(blocks)].sort((x, y) => x - y)) {
    const holders = byRank.filter((f) => f.blocks.includes(b));
    const f = holders.find((h) => h.rank === preferRank) ?? holders[0];
    if (f === undefined) throw new DynpipeError('E_CHECKPOINT', `${source}: no file holds block ${b}`);
    const entry = chosen.get(f.rank) ?? { file: f.file, rank: f.rank, blocks: [] };
    entry.blocks.push(b);
    chosen.set(f.rank, entry);
  }
  return [...chosen.values()].sort((x, y) => x.rank - y.rank);
}
