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

const DRAINED: ControlOf<'drained'> = {
  type: 'drained', rank: 2, planVersion: 1, drainedAtMs: 12.5, weightVersion: 9, checkpoint: { file: 'rank-2.tensors', blocks: [3], bytes: 99, sha256: 'b'.repeat(64) },
};

describe("control message 'drained' with the cut's checkpoint file", () => {
  it('round-trips with and without a file', () => {
    assert.deepEqual(decodeControl(encodeControl(DRAINED)), DRAINED);
    assert.deepEqual(decodeControl(encodeControl({ ...DRAINED, checkpoint: null })), { ...DRAINED, checkpoint: null });
  });

  it('refuses a file record without its checksum or with extra fields', () => {
    const frame = (m: object) => Buffer.from(msgpackEncode({ v: 1, ...m }));
    const { sha256: _sha, ...unchecked } = DRAINED.checkpoint!;
    assert.throws(() => decodeControl(frame({ ...DRAINED, checkpoint: unchecked })), dynpipeError('E_MESSAGE', /'drained' is invalid: field 'checkpoint\.sha256'/));
    assert.throws(() => decodeControl(frame({ ...DRAINED, checkpoint: { ...DRAINED.checkpoint, path: '/etc/passwd' } })), dynpipeError('E_MESSAGE', /'drained' is invalid: field 'checkpoint'.*Unrecognized key/));
  });
});
