/**
 * Rows added to finished rank logs (the workers closed them): interference windows the launcher
 * timed, eval rows of weight snapshots measured after the run. Each row goes to its own rank's file.
 */
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DynpipeError } from '../errors.js';
import { printRow, rankLogFileName, validateRow, type RankLogRow } from './rank-log.js';

/** Appends each row to `dir/rank-<row.rank>.csv`, validated, in the given order. */
export async function appendRankLogRows(dir: string, rows: readonly RankLogRow[]): Promise<void> {
  for (const row of rows) {
    const path = join(dir, rankLogFileName(row.rank));
    await appendFile(path, printRow(validateRow(row, `${path}: ${row.row} row`))).catch((e: Error) => {
      throw new DynpipeError('E_IO', `cannot append to ${path}: ${e.message}`, { cause: e });
    });
  }
}
