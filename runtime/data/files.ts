/**
 * The file-system side of the loaders: finding a dataset's directory and reading a file whole,
 * gunzipping it when it starts with the gzip magic. Parsers elsewhere take the bytes and a
 * `source` name, so they stay pure; every failure here is one line naming the path.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DynpipeError } from '../errors.js';
import type { Split } from './dataset.js';

/** Environment variable naming a data directory, used when no explicit directory is given. */
export const DATA_DIR_ENV = 'DYNPIPE_DATA_DIR';

export type Env = Readonly<Record<string, string | undefined>>;

/** Options of every dataset read from files. */
export interface FileDatasetOptions {
  split: Split;
  /** Directory holding the files, or a parent with a `<dataset name>/` subdirectory. */
  dataDir?: string;
  /** Consulted for DYNPIPE_DATA_DIR when dataDir is absent; pass process.env from a CLI. */
  env?: Env;
}

export interface DataDirQuery {
  /** Dataset name; `<dir>/<subdir>` is tried for each of `subdirs` (default [dataset]) after `<dir>`. */
  dataset: string;
  subdirs?: string[];
  /** The --data-dir value, if the user gave one. */
  dataDir?: string;
  env?: Env;
  /** Where a system package installs the data, if any. */
  systemDir?: string;
  /** A file (without .gz) whose presence marks the right directory. */
  marker: string;
  /** How to get the data, ending the "not found" message. */
  hint: string;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The directory to read `q.dataset` from. One source is consulted, the first that is set:
 * `dataDir` (--data-dir), else env DYNPIPE_DATA_DIR, else `systemDir`. Within it, the directory
 * itself and then `<dir>/<subdir>` are tried; the first holding the marker file (or its .gz) wins,
 * else the first that exists (so the missing-file error names it). None exists: E_DATA saying
 * where it looked and `q.hint`.
 */
export function locateDataDir(q: DataDirQuery): string {
  const envDir = q.env?.[DATA_DIR_ENV];
  const [root, from] =
    q.dataDir !== undefined ? [q.dataDir, '--data-dir'] : envDir ? [envDir, DATA_DIR_ENV] : q.systemDir !== undefined ? [q.systemDir, 'default'] : [undefined, ''];
  if (root === undefined) {
    throw new DynpipeError('E_DATA', `${q.dataset}: no data directory given; ${q.hint}`);
  }
  const candidates = [root, ...(q.subdirs ?? [q.dataset]).map((s) => join(root, s))];
  const existing = candidates.filter(isDir);
  const withMarker = existing.find((d) => existsSync(join(d, q.marker)) || existsSync(join(d, q.marker + '.gz')));
  const chosen = withMarker ?? existing[0];
  if (chosen === undefined) {
    throw new DynpipeError('E_DATA', `${q.dataset}: data directory ${root} (${from}) not found; ${q.hint}`);
  }
  return chosen;
}

/** `<dir>/<name>` if it exists, else `<dir>/<name>.gz`; E_DATA naming both when neither does. */
export function findDataFile(dir: string, name: string): string {
  const raw = join(dir, name);
  if (existsSync(raw)) return raw;
  if (existsSync(raw + '.gz')) return raw + '.gz';
  throw new DynpipeError('E_DATA', `${raw}: file not found (nor ${name}.gz)`);
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}

/** The whole file, gunzipped when it begins with the gzip magic 1f 8b. */
export function readDataFile(path: string): Uint8Array {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DynpipeError('E_DATA', `${path}: file not found`);
    throw new DynpipeError('E_IO', `${path}: cannot read (${code ?? firstLine(String(e))})`, { cause: e });
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new DynpipeError('E_DATA', `${path}: corrupt gzip data (${firstLine((e as Error).message)})`, { cause: e });
    }
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}
