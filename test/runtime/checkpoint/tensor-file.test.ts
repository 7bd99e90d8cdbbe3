/** Tensor files: exact round trip; corrupt and hostile files refused with E_CHECKPOINT naming the file. */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { encode as msgpackEncode } from '@msgpack/msgpack';
import { decodeTensors, encodeTensors } from '../../../runtime/checkpoint/tensor-file.js';
import { dynpipeError } from '../transport/helpers.js';
import { f32 } from './helpers.js';

/** A well-formed, correctly checksummed file around an arbitrary payload value. */
function fileAround(inner: unknown): Uint8Array {
  const payload = msgpackEncode(inner);
  return msgpackEncode({ format: 'dynpipe-tensors', version: 1, sha256: createHash('sha256').update(payload).digest('hex'), payload });
}

describe('tensor file', () => {
  it('round-trips float32 and int32 tensors and meta exactly', () => {
    const ints = { shape: [2], dtype: 'int32' as const, data: Int32Array.from([-1, 2 ** 31 - 1]) };
    const back = decodeTensors(encodeTensors(new Map([['a', f32(1, -0)], ['b', ints]]), { step: 3 }), 'f');
    assert.deepEqual(back.meta, { step: 3 });
    assert.deepEqual([...back.tensors.get('b')!.data], [-1, 2 ** 31 - 1]);
    assert.ok(Object.is(back.tensors.get('a')!.data[1], -0));
  });

  it('detects a flipped byte by its checksum', () => {
    const buf = encodeTensors(new Map([['a', f32(1, 2, 3)]]));
    buf[buf.length - 2] ^= 1;
    assert.throws(() => decodeTensors(buf, 'x.tensors'), dynpipeError('E_CHECKPOINT', /^x\.tensors: checksum mismatch \(file is corrupt\)$/));
  });

  // Regression: a checksummed payload with a malformed entry used to escape as a TypeError
  // ("e.shape.reduce is not a function") instead of a checkpoint error naming the file.
  it('refuses malformed entries inside a correctly checksummed file', () => {
    const cases: Array<[unknown, RegExp]> = [
      [[1, 2], /payload is not a map of entries and meta/],
      [{ entries: { w: { shape: 'big', dtype: 'float32', bytes: new Uint8Array(4) } } }, /tensor 'w' has a shape that is not a list/],
      [{ entries: { w: { shape: [1], dtype: 'float64', bytes: new Uint8Array(8) } } }, /tensor 'w' has dtype "float64"/],
      [{ entries: { w: { shape: [65536, 65536], dtype: 'float32', bytes: new Uint8Array(4) } } }, /more than 268435456 elements/],
      [{ entries: { w: { shape: [2], dtype: 'float32', bytes: 'abcdefgh' } } }, /tensor 'w' has no byte data/],
      [{ entries: { w: { shape: [3], dtype: 'int32', bytes: new Uint8Array(8) } } }, /tensor 'w' has 8 bytes for shape \[3\]/],
      [{ entries: { w: 5 } }, /tensor 'w' is not a map/],
      [{ entries: {}, meta: [1] }, /payload is not a map of entries and meta/],
    ];
    for (const [inner, pattern] of cases) assert.throws(() => decodeTensors(fileAround(inner), 'f'), dynpipeError('E_CHECKPOINT', pattern));
  });
});
