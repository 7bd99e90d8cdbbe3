/**
 * The data-plane wire format: one message = exactly two ZeroMQ frames.
 *
 *   frame 0: msgpack map {v, kind, mb, tag, fromRank, toRank, planVersion, dtype, shape, extra?}
 *   frame 1: the tensor's raw little-endian bytes, byteLength == prod(shape) * 4
 *
 * Encoding is zero-copy for the tensor (frame 1 is a view of the typed array's buffer; ZeroMQ keeps a
 * reference until sent, so the sender must not write into `data` after handing it over). Decoding
 * builds the typed array over the received bytes when they are 4-byte aligned and copies otherwise.
 * `decodeMessage` trusts nothing: any fault, however the bytes look, is a DynpipeError('E_MESSAGE').
 */
import { decode as msgpackDecode, encode as msgpackEncode } from '@msgpack/msgpack';
import { DynpipeError, oneLine } from '../errors.js';
import { BYTES_PER_ELEMENT, type WireTensor, checkedTensor, elementCount, isWireDtype } from './tensor.js';

/** Bumped on any incompatible change of the header; a mismatch is rejected, never guessed at. */
export const PROTOCOL_VERSION = 1;

/** 'act'/'grad': pipeline traffic; 'target': labels to the last stage; 'allreduce': ring chunks; 'migrate': stage weights. */
export const MESSAGE_KINDS = ['act', 'grad', 'target', 'allreduce', 'migrate'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

export type ExtraValue = number | string | boolean;

export interface MessageHeader {
  kind: MessageKind;
  /** Micro-batch id (for 'allreduce': the step version); unique per (kind, fromRank, tag) within a plan version. */
  mb: number;
  /** Sub-index within one (kind, mb, fromRank): the ring step of an all-reduce, a migration chunk; 0 otherwise. */
  tag: number;
  fromRank: number;
  toRank: number;
  planVersion: number;
  /** Small scalar metadata the receiver may need (e.g. a loss scale); never used for matching. */
  extra?: Record<string, ExtraValue>;
}

export interface Message {
  header: MessageHeader;
  tensor: WireTensor;
}

/** Bounds that keep a hostile or corrupt header from making the receiver allocate or loop without limit. */
export interface CodecLimits {
  maxHeaderBytes: number;
  maxDims: number;
  maxElements: number;
  maxExtraKeys: number;
}

export const DEFAULT_CODEC_LIMITS: Readonly<CodecLimits> = {
  maxHeaderBytes: 4096,
  maxDims: 8,
  maxElements: 1 << 28, // 1 GiB of float32
  maxExtraKeys: 16,
};

/** The largest frame a peer may legitimately send under `limits` (used as the socket's maxMessageSize). */
export function maxFrameBytes(limits: CodecLimits): number {
  return Math.max(limits.maxHeaderBytes, limits.maxElements * BYTES_PER_ELEMENT);
}


const HEADER_KEYS = new Set(['v', 'kind', 'mb', 'tag', 'fromRank', 'toRank', 'planVersion', 'dtype', 'shape', 'extra']);

/** Two frames for `header` + `tensor`; throws E_MESSAGE for a header or tensor the receiver would reject. */
export function encodeMessage(header: MessageHeader, tensor: WireTensor): [Buffer, Buffer] {
  checkedTensor(tensor);
  if (!(MESSAGE_KINDS as readonly string[]).includes(header.kind)) fail(`unknown message kind ${describe(header.kind)}`);
  for (const key of ['mb', 'tag', 'fromRank', 'toRank', 'planVersion'] as const) index(header as unknown as Record<string, unknown>, key);
  const { kind, mb, tag, fromRank, toRank, planVersion, extra } = header;
  const wire: Record<string, unknown> = { v: PROTOCOL_VERSION, kind, mb, tag, fromRank, toRank, planVersion, dtype: tensor.dtype, shape: tensor.shape };
  if (extra !== undefined) wire.extra = extra;
  const encoded = msgpackEncode(wire);
  const head = Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  const { data } = tensor;
  return [head, Buffer.from(data.buffer, data.byteOffset, data.byteLength)];
}

/** Parses and validates two received frames; throws DynpipeError('E_MESSAGE', what is wrong). */
export function decodeMessage(frames: readonly Buffer[], limits: CodecLimits = DEFAULT_CODEC_LIMITS): Message {
  if (frames.length !== 2) fail(`expected 2 frames (header, data), got ${frames.length}`);
  const [headFrame, dataFrame] = frames;
  if (headFrame.byteLength > limits.maxHeaderBytes) fail(`header of ${headFrame.byteLength} bytes exceeds the limit of ${limits.maxHeaderBytes}`);
  let raw: unknown;
  try {
    raw = msgpackDecode(headFrame);
  } catch (e) {
    fail(`header is not msgpack (${firstLine(e)})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || !isPlainPrototype(raw)) fail(`header is not a map but ${describe(raw)}`);
  const h = raw as Record<string, unknown>;
  for (const key of Object.keys(h)) if (!HEADER_KEYS.has(key)) fail(`header has unknown field '${key.slice(0, 32)}'`);
  if (own(h, 'v') !== PROTOCOL_VERSION) fail(`header protocol version is ${describe(own(h, 'v'))}, expected ${PROTOCOL_VERSION}`);
  const kind = own(h, 'kind');
  if (typeof kind !== 'string' || !(MESSAGE_KINDS as readonly string[]).includes(kind)) fail(`unknown message kind ${describe(kind)}`);
  const header: MessageHeader = {
    kind: kind as MessageKind,
    mb: index(h, 'mb'),
    tag: index(h, 'tag'),
    fromRank: index(h, 'fromRank'),
    toRank: index(h, 'toRank'),
    planVersion: index(h, 'planVersion'),
  };
  const extra = own(h, 'extra');
  if (extra !== undefined) header.extra = extraRecord(extra, limits);
  const dtype = own(h, 'dtype');
  if (!isWireDtype(dtype)) fail(`unknown dtype ${describe(dtype)}`);
  const shape = shapeOf(own(h, 'shape'), limits);
  const bytes = elementCount(shape) * BYTES_PER_ELEMENT;
  if (dataFrame.byteLength !== bytes) fail(`data frame has ${dataFrame.byteLength} bytes, but ${dtype}[${shape.join(', ')}] needs ${bytes}`);
  return { header, tensor: tensorOver(dtype, shape, dataFrame) };
}

function tensorOver(dtype: 'float32' | 'int32', shape: number[], frame: Buffer): WireTensor {
  const n = frame.byteLength / BYTES_PER_ELEMENT;
  // Typed arrays need an element-aligned offset; ZeroMQ's zero-copy buffers usually are, pooled copies may not be.
  const aligned = frame.byteOffset % BYTES_PER_ELEMENT === 0;
  const buffer = aligned ? frame.buffer : frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength);
  const offset = aligned ? frame.byteOffset : 0;
  return dtype === 'float32'
    ? { dtype, shape, data: new Float32Array(buffer, offset, n) }
    : { dtype, shape, data: new Int32Array(buffer, offset, n) };
}

function shapeOf(value: unknown, limits: CodecLimits): number[] {
  if (!Array.isArray(value)) fail(`header field 'shape' must be an array, got ${describe(value)}`);
  if (value.length > limits.maxDims) fail(`shape has ${value.length} dimensions, more than the limit of ${limits.maxDims}`);
  let n = 1;
  for (const d of value) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) fail(`shape [${value.map(describe).join(', ')}] has a dimension that is not a non-negative integer`);
    n *= d;
    // Checked per dimension so that a huge claimed shape never overflows into a small product.
    if (n > limits.maxElements) fail(`shape [${value.join(', ')}] exceeds the limit of ${limits.maxElements} elements`);
  }
  return value as number[];
}

function extraRecord(value: unknown, limits: CodecLimits): Record<string, ExtraValue> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !isPlainPrototype(value)) fail(`header field 'extra' must be a map, got ${describe(value)}`);
  const keys = Object.keys(value);
  if (keys.length > limits.maxExtraKeys) fail(`header field 'extra' has ${keys.length} keys, more than the limit of ${limits.maxExtraKeys}`);
  const out: Record<string, ExtraValue> = {};
  for (const k of keys) {
    const v = (value as Record<string, unknown>)[k];
    if (!(typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)))) fail(`header field 'extra.${k.slice(0, 32)}' must be a finite number, string or boolean, got ${describe(v)}`);
    out[k] = v;
  }
  return out;
}

function index(h: Record<string, unknown>, key: string): number {
  const v = own(h, key);
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(`header field '${key}' must be a non-negative integer, got ${describe(v)}`);
  return v;
}

/** Own properties only: a hostile '__proto__' key must not smuggle values in through the prototype. */
function own(h: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(h, key) ? h[key] : undefined;
}

function isPlainPrototype(o: object): boolean {
  const p: unknown = Object.getPrototypeOf(o);
  return p === Object.prototype || p === null;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return `'${v.slice(0, 32)}'`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return `a ${(v as object).constructor?.name ?? 'null-prototype object'}`;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 80);
}

/** Quoted header values come from the peer: the message is kept to one bounded line. */
function fail(message: string): never {
  throw new DynpipeError('E_MESSAGE', oneLine(message, 500));
}
