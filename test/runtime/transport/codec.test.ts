import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { encode as msgpackEncode } from '@msgpack/msgpack';
import { isDynpipeError } from '../../../runtime/errors.js';
import { type MessageHeader, PROTOCOL_VERSION, decodeMessage, encodeMessage } from '../../../runtime/transport/codec.js';
import { type WireTensor, float32Tensor, int32Tensor } from '../../../runtime/transport/tensor.js';
import { bytesOf, dynpipeError } from './helpers.js';

const header: MessageHeader = { kind: 'act', mb: 7, tag: 0, fromRank: 0, toRank: 1, planVersion: 3 };
const packr = { pack: (v: unknown): Uint8Array => msgpackEncode(v) };

/** A header frame as a (possibly hostile) peer would write it, from a valid one with `patch` applied. */
function rawHeader(patch: Record<string, unknown>, drop: string[] = []): Buffer {
  const h: Record<string, unknown> = { v: PROTOCOL_VERSION, ...header, dtype: 'float32', shape: [2, 2], ...patch };
  for (const k of drop) delete h[k];
  return Buffer.from(packr.pack(h));
}

const fourFloats = Buffer.from(new Float32Array([1, 2, 3, 4]).buffer);

describe('transport codec', () => {
  it('round-trips float32 and int32 tensors bit for bit, including scalars, empty tensors and odd floats', () => {
    const odd = new Float32Array([NaN, -0, Infinity, -Infinity, 1e-45, 3.4028234663852886e38, -1.5]);
    new Uint32Array(odd.buffer)[0] = 0x7fc00123; // a NaN with a payload must survive unchanged
    const cases: WireTensor[] = [
      float32Tensor(odd, [7]),
      int32Tensor(new Int32Array([-2147483648, 2147483647, 0, -1, 5, 6]), [2, 3]),
      float32Tensor(new Float32Array([42]), []),
      float32Tensor(new Float32Array(0), [0]),
      int32Tensor(new Int32Array(0), [3, 0, 2]),
    ];
    for (const t of cases) {
      const m = decodeMessage(encodeMessage({ ...header, extra: { scale: 0.5, note: 'x', last: true } }, t));
      assert.deepEqual(m.header, { ...header, extra: { scale: 0.5, note: 'x', last: true } });
      assert.equal(m.tensor.dtype, t.dtype);
      assert.deepEqual(m.tensor.shape, t.shape);
      assert.equal(m.tensor.data.constructor, t.data.constructor);
      assert.deepEqual(bytesOf(m.tensor.data), bytesOf(t.data));
    }
  });

  it('sends the tensor bytes without copying them', () => {
    const data = new Float32Array(64).fill(1.25);
    const [, frame] = encodeMessage(header, float32Tensor(data, [8, 8]));
    assert.equal(frame.buffer, data.buffer);
    assert.equal(frame.byteOffset, data.byteOffset);
  });

  it('views aligned received bytes in place and copies misaligned ones', () => {
    const [head, body] = encodeMessage(header, float32Tensor(new Float32Array([1.5, -2, 3.25, 4]), [2, 2]));
    const aligned = decodeMessage([head, body]);
    assert.equal(aligned.tensor.data.buffer, body.buffer);

    const backing = Buffer.alloc(body.byteLength + 1);
    body.copy(backing, 1);
    const shifted = backing.subarray(1);
    assert.equal(shifted.byteOffset % 4, 1);
    const copied = decodeMessage([head, shifted]);
    assert.notEqual(copied.tensor.data.buffer, backing.buffer);
    assert.deepEqual([...copied.tensor.data], [1.5, -2, 3.25, 4]);
  });

  it('names what is wrong with each malformed message', () => {
    const cases: Array<[string, Buffer[], RegExp]> = [
      ['one frame', [rawHeader({})], /expected 2 frames .* got 1/],
      ['three frames', [rawHeader({}), fourFloats, fourFloats], /expected 2 frames .* got 3/],
      ['non-msgpack header', [Buffer.from([0x92, 0x01]), fourFloats], /header is not msgpack/],
      ['header not a map', [Buffer.from(packr.pack([1, 2, 3])), fourFloats], /header is not a map but an array of 3/],
      ['unknown field', [rawHeader({ sneaky: 1 }), fourFloats], /unknown field 'sneaky'/],
      ['old protocol', [rawHeader({ v: 0 }), fourFloats], /protocol version is 0, expected 1/],
      ['unknown kind', [rawHeader({ kind: 'weights' }), fourFloats], /unknown message kind 'weights'/],
      ['missing mb', [rawHeader({}, ['mb']), fourFloats], /'mb' must be a non-negative integer, got nothing/],
      ['fractional mb', [rawHeader({ mb: 1.5 }), fourFloats], /'mb' must be a non-negative integer, got 1.5/],
      ['negative rank', [rawHeader({ fromRank: -1 }), fourFloats], /'fromRank' must be a non-negative integer, got -1/],
      ['unknown dtype', [rawHeader({ dtype: 'float64' }), fourFloats], /unknown dtype 'float64'/],
      ['negative dimension', [rawHeader({ shape: [2, -2] }), fourFloats], /dimension that is not a non-negative integer/],
      ['shape not an array', [rawHeader({ shape: 4 }), fourFloats], /'shape' must be an array, got 4/],
      ['too many dimensions', [rawHeader({ shape: [1, 1, 1, 1, 1, 1, 1, 1, 4] }), fourFloats], /9 dimensions, more than the limit of 8/],
      ['huge claimed shape', [rawHeader({ shape: [1e6, 1e6, 1e6] }), fourFloats], /exceeds the limit of 268435456 elements/],
      ['truncated data', [rawHeader({}), fourFloats.subarray(0, 12)], /data frame has 12 bytes, but float32\[2, 2\] needs 16/],
      ['oversized header', [Buffer.alloc(5000), fourFloats], /header of 5000 bytes exceeds the limit of 4096/],
      ['bad extra', [rawHeader({ extra: { x: [1] } }), fourFloats], /'extra.x' must be a finite number, string or boolean/],
    ];
    for (const [name, frames, pattern] of cases) {
      assert.throws(() => decodeMessage(frames), dynpipeError('E_MESSAGE', pattern), name);
    }
  });

  it('rejects a __proto__ key without polluting any prototype', () => {
    const hostile = Buffer.from(packr.pack(JSON.parse(`{"v":1,"__proto__":{"kind":"act"},"mb":1,"tag":0,"fromRank":0,"toRank":1,"planVersion":0,"dtype":"float32","shape":[4]}`)));
    // The msgpack decoder refuses the key outright, so it can never reach an object's prototype.
    assert.throws(() => decodeMessage([hostile, fourFloats]), dynpipeError('E_MESSAGE', /__proto__ is not allowed/));
    assert.equal(({} as Record<string, unknown>).kind, undefined);
  });

  it('refuses to encode a tensor whose data does not fit its shape or dtype, or a bad header', () => {
    assert.throws(() => encodeMessage(header, { dtype: 'float32', shape: [3], data: new Float32Array(4) }), dynpipeError('E_MESSAGE', /holds 3 elements, but data has 4/));
    assert.throws(() => encodeMessage(header, { dtype: 'int32', data: new Float32Array(2), shape: [2] } as unknown as WireTensor), dynpipeError('E_MESSAGE', /dtype 'int32' holds a Float32Array/));
    assert.throws(() => encodeMessage({ ...header, mb: -1 }, float32Tensor(new Float32Array(1))), dynpipeError('E_MESSAGE', /'mb' must be a non-negative integer/));
  });

  it('answers any garbage with E_MESSAGE and nothing else', () => {
    const anyFrames = fc.array(fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)), { maxLength: 3 });
    const msgpackHeader = fc.anything({ maxDepth: 2 }).map((v) => [Buffer.from(packr.pack(v)), fourFloats]);
    const nearlyValid = fc
      .record({ kind: fc.constantFrom('act', 'grad', 'x'), mb: fc.oneof(fc.nat(), fc.integer(), fc.double()), dtype: fc.constantFrom('float32', 'int32', 'bool'), shape: fc.array(fc.integer({ min: -2, max: 4 }), { maxLength: 3 }) })
      .map((patch) => [rawHeader(patch), fourFloats]);
    fc.assert(
      fc.property(fc.oneof(anyFrames, msgpackHeader, nearlyValid), (frames) => {
        try {
          const m = decodeMessage(frames);
          assert.equal(m.tensor.data.length * 4, frames[1].byteLength);
        } catch (e) {
          assert.ok(isDynpipeError(e, 'E_MESSAGE'), `unexpected ${String(e)}`);
        }
      }),
      { numRuns: 300, seed: 1 },
    );
  });
});
