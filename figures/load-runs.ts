/** Loads runs from log directories: every rank-<r>.csv (required) and summary.json (optional). */
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { DynpipeError } from '../runtime/errors.js';
import { readRankLogs } from '../runtime/log/rank-log-files.js';
import { SUMMARY_FILE_NAME, parseSummary, type Summary } from '../runtime/log/summary.js';
import type { Run } from './data.js';

async function readSummaryIfAny(dir: string): Promise<Summary | null> {
  const path = join(dir, SUMMARY_FILE_NAME);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new DynpipeError('E_IO', `cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  return parseSummary(text, path);
}

/** One run per directory, named after the directory; throws E_IO when one has no rank logs. */
export async function loadRuns(dirs: readonly string[]): Promise<Run[]> {
  return Promise.all(
    dirs.map(async (dir) => {
      const [rows, summary] = await Promise.all([readRankLogs(dir), readSummaryIfAny(dir)]);
      return { name: basename(resolve(dir)), rows, summary };
    }),
  );
}
