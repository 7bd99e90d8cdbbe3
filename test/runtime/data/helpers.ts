/** Shared by the data tests: temporary directories, IDX/CIFAR file writers, error matchers. */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { isDynpipeError, type ErrorCode } from '../../../runtime/errors.js';

/** A fresh directory under the OS temp dir; `remove()` deletes it (call in after/afterEach). */
export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'dynpipe-data-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** IDX bytes written independently of the parser: big-endian magic and dims, then data. */
export function idxBytes(magic: number, dims: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, data]);
}

export function writeFile(dir: string, name: string, bytes: Uint8Array, gzip = false): string {
  const path = join(dir, gzip ? name + '.gz' : name);
  writeFileSync(path, gzip ? gzipSync(bytes) : bytes);
  return path;
}

/** Asserts `fn` throws a one-line DynpipeError with `code` whose message contains every `part`. */
export function throwsOneLine(fn: () => unknown, code: ErrorCode, ...parts: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isDynpipeError(e, code), `expected ${code}, got ${String(e)}`);
    assert.ok(!e.message.includes('\n'), `message has several lines: ${e.message}`);
    for (const p of parts) assert.ok(e.message.includes(p), `message lacks '${p}': ${e.message}`);
    return true;
  });
}
