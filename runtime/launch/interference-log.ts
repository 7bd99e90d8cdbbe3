/**
 * After a run: appends one `interference` row per (event, rank hit) to the rank logs in `dir`
 * (rank-<r>.csv, already closed by the workers). See ./interference-rows.ts for which rows.
 */
import { appendRankLogRows } from '../log/append-rows.js';
import { readRankLogs } from '../log/rank-log-files.js';
import type { InterferenceRow } from '../log/rank-log.js';
import { interferenceRows, type AppliedInterference } from './interference-rows.js';

/** Appends the rows and returns them. */
export async function appendInterferenceRows(
  dir: string,
  applied: readonly AppliedInterference[],
  worldSize: number,
  rankCores?: readonly (readonly number[])[],
): Promise<InterferenceRow[]> {
  const rows = interferenceRows(applied, await readRankLogs(dir), worldSize, rankCores);
  await appendRankLogRows(dir, rows);
  return rows;
}
