/**
 * After a run: appends one `interference` row per (event, rank hit) to the rank logs in `dir`
 * (rank-<r>.csv, already closed by the workers). See ./interference-rows.ts for which rows.
 */
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DynpipeError } from '../errors.js';
import { readRankLogs } from '../log/rank-log-files.js';
import { printRow, rankLogFileName, validateRow, type InterferenceRow } from '../log/rank-log.js';
import { interferenceRows, type AppliedInterference } from './interference-rows.js';

/** Appends the rows and returns them. */
export async function appendInterferenceRows(
  dir: string,
  applied: readonly AppliedInterference[],
  worldSize: number,
  rankCores?: readonly (readonly number[])[],
): Promise<InterferenceRow[]> {
  const rows = interferenceRows(applied, await readRankLogs(dir), worldSize, rankCores);
  for (const row of rows) {
    const path = join(dir, rankLogFileName(row.rank));
    await appendFile(path, printRow(validateRow(row, `${path}: interference row`))).catch((e: Error) => {
      throw new DynpipeError('E_IO', `cannot append to ${path}: ${e.message}`, { cause: e });
    });
  }
  return rows;
}
