/** The 'checkpointed' control message: round trip, and the fields a hostile rank could abuse refused. */
import { strict as assert } from 'node:assert';
import { type ControlOf, decodeControl, encodeControl } from '../../../runtime/transport/control-messages.js';
import { encode as msgpackEncode } from '@msgpack/msgpack';
import { dynpipeError } from './helpers.js';

const OK: ControlOf<'checkpointed'> = { type: 'checkpointed', rank: 1, cut: 8, planVersion: 0, weightVersion: 8, file: 'rank-1.tensors', blocks: [1, 2], bytes: 123, sha256: 'a'.repeat(64) };

describe("control message 'checkpointed'", () => {
  it('round-trips', () => {
    assert.deepEqual(decodeControl(encodeControl(OK)), OK);
  });

  it('refuses a bad checksum, a negative cut and an empty block list', () => {
    const frame = (m: object) => Buffer.from(msgpackEncode({ v: 1, ...m }));
    assert.throws(() => decodeControl(frame({ ...OK, sha256: 'zz' })), dynpipeError('E_MESSAGE', /'checkpointed' is invalid: field 'sha256'/));
    assert.throws(() => decodeControl(frame({ ...OK, cut: -1 })), dynpipeError('E_MESSAGE', /field 'cut'/));
    assert.throws(() => decodeControl(frame({ ...OK, blocks: [] })), dynpipeError('E_MESSAGE', /field 'blocks'/));
  });
});
