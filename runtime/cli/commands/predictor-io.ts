/** File and list helpers shared by the `dynpipe predictor` subcommands: one-line errors naming the path or flag. */
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DynpipeError, oneLine } from '../../errors.js';
import { parseArgList, type ArgValue } from '../../models/args.js';
import { parseDataset, type DatasetRow } from '../../../predictor/dataset.js';

/** Reads a text file; a name ending in .gz is gunzipped (datasets are committed compressed). */
export function readText(path: string, what: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DynpipeError('E_IO', `cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!path.endsWith('.gz')) return bytes.toString('utf8');
  try {
    return gunzipSync(bytes).toString('utf8');
  } catch (e) {
    throw new DynpipeError('E_IO', `cannot read ${what} ${path}: not gzip data (${(e as Error).message})`);
  }
}

export function readJson(path: string, what: string, code: 'E_PREDICTOR' | 'E_USAGE'): unknown {
  const text = readText(path, what);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DynpipeError(code, `${path}: not JSON: ${oneLine((e as Error).message)}`);
  }
}

/** Writes a text file; a name ending in .gz is written gzipped. */
export function writeText(path: string, text: string): void {
  try {
    writeFileSync(path, path.endsWith('.gz') ? gzipSync(text, { level: 9 }) : text);
  } catch (e) {
    throw new DynpipeError('E_IO', `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function readDataset(path: string): DatasetRow[] {
  const rows = parseDataset(readText(path, 'dataset'), path);
  if (rows.length === 0) throw new DynpipeError('E_DATA', `${path}: the dataset has no rows`);
  return rows;
}

/** Parses a comma-separated flag value with `item`, naming the flag on failure. */
export function listOption<T>(flag: string, text: string, item: (s: string) => T | undefined): T[] {
  const parts = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (parts.length === 0) throw new DynpipeError('E_USAGE', `${flag} needs at least one value`);
  return parts.map((p) => {
    const v = item(p);
    if (v === undefined) throw new DynpipeError('E_USAGE', `${flag}: bad value '${p}'`);
    return v;
  });
}

export const positiveInt = (s: string): number | undefined => (/^\d+$/.test(s) && Number(s) > 0 ? Number(s) : undefined);
export const unitInterval = (s: string): number | undefined => {
  const x = Number(s);
  return s !== '' && x > 0 && x <= 1 ? x : undefined;
};

/** A zoo model name and the arguments to build it with. */
export interface ModelChoice {
  name: string;
  args: Record<string, ArgValue>;
}

/** Parses `name` or `name:key=value,key=value` (e.g. vgg16:width=0.125). */
export function parseModelChoice(text: string): ModelChoice {
  const colon = text.indexOf(':');
  const name = (colon < 0 ? text : text.slice(0, colon)).trim();
  if (!/^[a-z][a-z0-9_-]*$/i.test(name)) throw new DynpipeError('E_USAGE', `--model: expected name[:key=value,...], got '${text}'`);
  try {
    return { name, args: colon < 0 ? {} : parseArgList(text.slice(colon + 1)) };
  } catch (e) {
    throw new DynpipeError('E_USAGE', `--model '${text}': ${(e as Error).message}`);
  }
}

/** The inverse of `parseModelChoice`. */
export function formatModelChoice(m: ModelChoice): string {
  const args = Object.entries(m.args).map(([k, v]) => `${k}=${v}`);
  return args.length === 0 ? m.name : `${m.name}:${args.join(',')}`;
}

/** Commander collector for a repeatable --model flag. */
export function modelOption(value: string, previous: ModelChoice[] | undefined): ModelChoice[] {
  return [...(previous ?? []), parseModelChoice(value)];
}
