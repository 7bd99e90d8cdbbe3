/** File access for CLI commands, failing with one E_IO line that names the file. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DynpipeError, oneLine } from '../errors.js';

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.code === 'EISDIR' ? 'is a directory' : (err.message ?? String(e));
}

export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new DynpipeError('E_IO', `cannot read ${path}: ${reason(e)}`, { cause: e });
  }
}

/** Parses a JSON file; a syntax error is `kind` (E_PLAN_INVALID, E_PROFILE_PARSE...) naming the file. */
export function readJson(path: string, onSyntaxError: (message: string) => DynpipeError): unknown {
  const text = readText(path);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw onSyntaxError(`${path}: not valid JSON (${oneLine((e as Error).message)})`);
  }
}

/** Writes `text`, creating parent directories. */
export function writeText(path: string, text: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  } catch (e) {
    throw new DynpipeError('E_IO', `cannot write ${path}: ${reason(e)}`, { cause: e });
  }
}
