/**
 * A named-tensor file (weights, optimizer state): msgpack map of {shape, dtype, bytes} per name,
 * wrapped with a format tag and a SHA-256 of the payload so a truncated or corrupted file is
 * detected on read (E_CHECKPOINT naming the file), never silently loaded.
 */
import { createHash } from 'node:crypto';
import { decode as msgpackDecode, encode as msgpackEncode } from '@msgpack/msgpack';
import { DynpipeError } from '../errors.js';

export interface HostTensor {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

const FORMAT = 'dynpipe-tensors';

export function encodeTensors(tensors: ReadonlyMap<string, HostTensor>, meta: Record<string, unknown> = {}): Buffer {
  const entries: Record<string, { shape: number[]; dtype: string; bytes: Uint8Array }> = {};
  for (const [name, t] of [...tensors].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    entries[name] = { shape: t.shape, dtype: t.dtype, bytes: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength) };
  }
  const payload = msgpackEncode({ meta, entries });
  const sha256 = createHash('sha256').update(payload).digest('hex');
  const file = msgpackEncode({ format: FORMAT, version: 1, sha256, payload });
  return Buffer.from(file.buffer, file.byteOffset, file.byteLength);
}

export function decodeTensors(buf: Uint8Array, source: string): { tensors: Map<string, HostTensor>; meta: Record<string, unknown> } {
  const bad = (what: string) => new DynpipeError('E_CHECKPOINT', `${source}: ${what}`);
  let outer: unknown;
  try {
    outer = msgpackDecode(buf);
  } catch {
    throw bad('not a dynpipe tensor file (cannot decode)');
  }
  const o = outer as { format?: unknown; version?: unknown; sha256?: unknown; payload?: unknown };
  if (typeof o !== 'object' || o === null || o.format !== FORMAT) throw bad('not a dynpipe tensor file');
  if (o.version !== 1) throw bad(`unsupported version ${String(o.version)}`);
  if (!(o.payload instanceof Uint8Array) || typeof o.sha256 !== 'string') throw bad('missing payload');
  if (createHash('sha256').update(o.payload).digest('hex') !== o.sha256) throw bad('checksum mismatch (file is corrupt)');
  const inner = msgpackDecode(o.payload) as { meta?: Record<string, unknown>; entries?: Record<string, { shape: number[]; dtype: string; bytes: Uint8Array }> };
  const tensors = new Map<string, HostTensor>();
  for (const [name, e] of Object.entries(inner.entries ?? {})) {
    const n = e.shape.reduce((a, b) => a * b, 1);
    if (e.bytes.byteLength !== n * 4) throw bad(`tensor '${name}' has ${e.bytes.byteLength} bytes for shape [${e.shape}]`);
    const copy = new Uint8Array(e.bytes); // aligned copy
    const data = e.dtype === 'int32' ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer);
    tensors.set(name, { shape: e.shape, dtype: e.dtype === 'int32' ? 'int32' : 'float32', data });
  }
  return { tensors, meta: inner.meta ?? {} };
}
