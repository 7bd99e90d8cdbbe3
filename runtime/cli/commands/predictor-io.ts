/** File and list helpers shared by the `dynpipe predictor` subcommands: one-line errors naming the path or flag. */
import { readFileSync, writeFileSync } from 'node:fs';
import { DynpipeError, oneLine } from '../../errors.js';
import { parseDataset, type DatasetRow } from '../../../predictor/dataset.js';

export function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new DynpipeError('E_IO', `cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
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

export function writeText(path: string, text: string): void {
  try {
    writeFileSync(path, text);
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

/** Parses --model-args: a JSON object of model arguments. */
export function modelArgs(text: string | undefined): Record<string, number | string | boolean> {
  if (text === undefined) return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new DynpipeError('E_USAGE', `--model-args must be a JSON object, got '${text}'`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v) || !Object.values(v).every((x) => ['number', 'string', 'boolean'].includes(typeof x))) {
    throw new DynpipeError('E_USAGE', `--model-args must be a JSON object of numbers, strings and booleans, got '${text}'`);
  }
  return v as Record<string, number | string | boolean>;
}
