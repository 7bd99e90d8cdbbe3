/** Z85 against the RFC 32 test vector, round trips, and strict decoding. */
import { strict as assert } from 'node:assert';
import { z85Decode, z85Encode } from '../../../runtime/transport/z85.js';
import { dynpipeError, prng } from './helpers.js';

describe('z85', () => {
  it('matches the RFC 32 example', () => {
    const bytes = Uint8Array.from([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);
    assert.equal(z85Encode(bytes), 'HelloWorld');
    assert.deepEqual(z85Decode('HelloWorld'), bytes);
  });

  it('round-trips random 32-byte keys', () => {
    const random = prng(5);
    for (let i = 0; i < 50; i++) {
      const key = Uint8Array.from({ length: 32 }, () => Math.floor(random() * 256));
      assert.deepEqual(z85Decode(z85Encode(key)), key);
    }
  });

  it('refuses bad lengths, characters and overflowing groups', () => {
    assert.throws(() => z85Encode(new Uint8Array(3)), dynpipeError('E_USAGE', /3 bytes is not a multiple of 4/));
    assert.throws(() => z85Decode('abcd', 'key'), dynpipeError('E_USAGE', /^key: length 4 is not a multiple of 5$/));
    assert.throws(() => z85Decode('abc"e', 'key'), dynpipeError('E_USAGE', /^key: character "\\"" is not Z85$/));
    assert.throws(() => z85Decode('#####', 'key'), dynpipeError('E_USAGE', /^key: group '#####' is out of range$/));
  });
});
