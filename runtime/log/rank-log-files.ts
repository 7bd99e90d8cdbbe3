/**
 * Rank logs on disk: `RankLogWriter` appends one rank's rows to `<dir>/rank-<r>.csv`;
 * `readRankLogs` reads every rank's file in a directory back, validated. The format itself
 * (columns, row kinds, printing, parsing) is in ./rank-log.ts.
 */
import { mkdir, open, readdir, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { DynpipeError } from '../errors.js';
import { RANK_LOG_FILE_PATTERN, parseRankLog, printHeader, printRow, rankLogFileName, validateRow, type RankLogRow } from './rank-log.js';

export interface RankLogWriterOptions {
  /** 'row': each append starts a write at once; 'manual': rows wait in memory until flush(). */
  flush: 'row' | 'manual';
}

/**
 * Appends one rank's rows, header first, truncating an older file of the same name.
 *
 * Invariants: rows reach the file in append order (writes are chained, never concurrent);
 * close() writes every row appended before it, then closes the file; append after close throws.
 * A failed write is reported by the next flush() or close(), not lost.
 */
export class RankLogWriter {
  private pending: string[] = [];
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown = undefined;
  private closed = false;

  private constructor(
    private readonly file: FileHandle,
    readonly path: string,
    readonly rank: number,
    private readonly options: RankLogWriterOptions,
  ) {}

  /** Creates `dir` if needed and starts `rank-<rank>.csv` with the header. */
  static async open(dir: string, rank: number, options: RankLogWriterOptions = { flush: 'row' }): Promise<RankLogWriter> {
    if (!Number.isInteger(rank) || rank < 0) throw new DynpipeError('E_USAGE', `rank log: rank must be an integer >= 0, got ${rank}`);
    const path = join(dir, rankLogFileName(rank));
    let file: FileHandle;
    try {
      await mkdir(dir, { recursive: true });
      file = await open(path, 'w');
    } catch (e) {
      throw new DynpipeError('E_IO', `cannot create rank log ${path}: ${(e as Error).message}`, { cause: e });
    }
    const writer = new RankLogWriter(file, path, rank, options);
    writer.pending.push(printHeader());
    await writer.flush();
    return writer;
  }

  /** Validates and queues one row (its `rank` must be this writer's); with flush 'row' the write starts now. */
  append(row: RankLogRow): void {
    if (this.closed) throw new DynpipeError('E_IO', `rank log ${this.path}: append after close`);
    const valid = validateRow(row, `${this.path}: appended row`);
    if (valid.rank !== this.rank) throw new DynpipeError('E_USAGE', `rank log ${this.path}: row has rank ${valid.rank}`);
    this.pending.push(printRow(valid));
    if (this.options.flush === 'row') void this.flush().catch(() => undefined);
  }

  /** Writes every queued row; resolves once they (and all earlier writes) are in the file. */
  flush(): Promise<void> {
    if (this.pending.length > 0) {
      const text = this.pending.join('');
      this.pending = [];
      this.chain = this.chain.then(async () => {
        if (this.failure !== undefined) return;
        try {
          await this.file.write(text);
        } catch (e) {
          this.failure = e;
        }
      });
    }
    return this.chain.then(() => {
      if (this.failure !== undefined) {
        throw new DynpipeError('E_IO', `cannot write rank log ${this.path}: ${(this.failure as Error).message}`, { cause: this.failure });
      }
    });
  }

  /** Flushes every appended row, then closes the file. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return this.chain;
    this.closed = true;
    try {
      await this.flush();
    } finally {
      await this.file.close();
    }
  }
}

/** Rank numbers of the `rank-<r>.csv` files in `dir`, ascending. */
export async function listRankLogs(dir: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such directory' : code === 'ENOTDIR' ? 'not a directory' : (e as Error).message;
    throw new DynpipeError('E_IO', `logs ${dir}: ${why}`, { cause: e });
  }
  const ranks = names.flatMap((n) => {
    const m = RANK_LOG_FILE_PATTERN.exec(n);
    return m ? [Number(m[1])] : [];
  });
  return ranks.sort((a, b) => a - b);
}

/**
 * Every row of every rank log in `dir`, merged in job-clock order (ties: lower rank first, then
 * file order). Ranks must be 0..N-1 without gaps. Throws E_IO when `dir` has no rank log or one
 * is missing, E_LOG_PARSE naming `file:line: column` for a bad row.
 */
export async function readRankLogs(dir: string): Promise<RankLogRow[]> {
  const ranks = await listRankLogs(dir);
  if (ranks.length === 0) throw new DynpipeError('E_IO', `logs ${dir}: no rank-<r>.csv files found`);
  const gap = ranks.findIndex((r, i) => r !== i);
  if (gap >= 0) throw new DynpipeError('E_IO', `logs ${dir}: ${rankLogFileName(gap)} is missing (found ranks ${ranks.join(', ')})`);
  const perRank = await Promise.all(
    ranks.map(async (rank) => {
      const path = join(dir, rankLogFileName(rank));
      const text = await readFile(path, 'utf8').catch((e: Error) => {
        throw new DynpipeError('E_IO', `cannot read ${path}: ${e.message}`, { cause: e });
      });
      return parseRankLog(text, path, rank);
    }),
  );
  return perRank.flat().sort((a, b) => a.time_ms - b.time_ms || a.rank - b.rank);
}
