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
  if (o.version !== 1) throw bad(`unsupported version ${String(o.version).slice(0, 20)}`);
  if (!(o.payload instanceof Uint8Array) || typeof o.sha256 !== 'string') throw bad('missing payload');
  if (createHash('sha256').update(o.payload).digest('hex') !== o.sha256) throw bad('checksum mismatch (file is corrupt)');
  let inner: unknown;
  try {
    inner = msgpackDecode(o.payload);
  } catch {
    throw bad('payload cannot be decoded');
  }
  if (!isPlainObject(inner) || !isPlainObject(inner.entries ?? {}) || !isPlainObject(inner.meta ?? {})) throw bad('payload is not a map of entries and meta');
  const tensors = new Map<string, HostTensor>();
  for (const [name, e] of Object.entries((inner.entries ?? {}) as Record<string, unknown>)) {
    tensors.set(name, entryTensor(name, e, bad));
  }
  return { tensors, meta: (inner.meta ?? {}) as Record<string, unknown> };
}

/** Largest tensor a file may declare (1 GiB of 4-byte elements): a hostile shape cannot make us allocate more. */
const MAX_ELEMENTS = 1 << 28;

function entryTensor(name: string, e: unknown, bad: (what: string) => DynpipeError): HostTensor {
  const what = `tensor '${name.slice(0, 80)}'`;
  if (!isPlainObject(e)) throw bad(`${what} is not a map`);
  const { shape, dtype, bytes } = e as { shape?: unknown; dtype?: unknown; bytes?: unknown };
  if (dtype !== 'float32' && dtype !== 'int32') throw bad(`${what} has dtype ${JSON.stringify(dtype)?.slice(0, 20)}, expected float32 or int32`);
  if (!Array.isArray(shape) || shape.length > 8 || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) throw bad(`${what} has a shape that is not a list of at most 8 non-negative integers`);
  let n = 1;
  for (const d of shape as number[]) {
    n *= d;
    if (n > MAX_ELEMENTS) throw bad(`${what} has shape [${shape.join(', ')}], more than ${MAX_ELEMENTS} elements`);
  }
  if (!(bytes instanceof Uint8Array)) throw bad(`${what} has no byte data`);
  if (bytes.byteLength !== n * 4) throw bad(`${what} has ${bytes.byteLength} bytes for shape [${shape.join(', ')}]`);
  const copy = new Uint8Array(bytes); // aligned copy
  const data = dtype === 'int32' ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer);
  return { shape: [...(shape as number[])], dtype, data };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array) return false;
  const p: unknown = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}
