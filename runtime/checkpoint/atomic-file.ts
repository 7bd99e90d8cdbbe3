/**
 * Crash-safe file replacement: write to a temporary name in the same directory, fsync it, rename it
 * over the target, then fsync the directory so the rename itself survives a power loss. A crash at
 * any point leaves either the old file or the new one under the target name, never a mix; at worst
 * a stray `*.tmp-<pid>-<n>` file remains, which readers ignore (`isTempName`).
 */
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DynpipeError } from '../errors.js';

let counter = 0;

/** True for the temporary names `writeFileAtomic` uses; such files are never part of a checkpoint. */
export function isTempName(name: string): boolean {
  return /\.tmp-\d+-\d+$/.test(name);
}

/** Replaces `path` with `data` atomically and durably; E_IO names the path on any failure. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = join(dirname(path), `${basename(path)}.tmp-${process.pid}-${++counter}`);
  try {
    const handle = await open(tmp, 'w', 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
    await syncDirectory(dirname(path));
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new DynpipeError('E_IO', `cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** fsync of a directory: makes the entries created or renamed in it durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
