/**
 * Opening a rank's CSV log: a new job starts a fresh file; a rank restarted within a running job
 * (dynpipe-re) keeps the rows its previous process wrote and appends after them.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RankLogWriter } from '../log/rank-log-files.js';
import { parseRankLog, rankLogFileName, type RankLogRow } from '../log/rank-log.js';

export async function openRankLog(dir: string, rank: number, keepExisting: boolean): Promise<RankLogWriter> {
  let old: RankLogRow[] = [];
  if (keepExisting) {
    const path = join(dir, rankLogFileName(rank));
    const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    if (text !== undefined) old = parseRankLog(text, path, rank);
  }
  const writer = await RankLogWriter.open(dir, rank, { flush: 'manual' });
  for (const row of old) writer.append(row);
  return writer;
}
