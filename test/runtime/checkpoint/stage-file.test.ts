/** A rank's checkpoint file: tensors plus the meta a resumed rank needs, refused when inconsistent. */
import { strict as assert } from 'node:assert';
import { decodeStageFile, encodeStageFile } from '../../../runtime/checkpoint/stage-file.js';
import { encodeTensors } from '../../../runtime/checkpoint/tensor-file.js';
import { dynpipeError } from '../transport/helpers.js';
import { f32, meta } from './helpers.js';

describe('stage checkpoint file', () => {
  it('round-trips entries and meta bit for bit', () => {
    const entries = new Map([['p/1.w', f32(1.5, -0, NaN)], ['o/1.w/0', f32(3)], ['p/2.b', f32(4)]]);
    const m = meta(1, [1, 2], 8);
    const back = decodeStageFile(encodeStageFile(entries, m), 'f');
    assert.deepEqual(back.meta, m);
    assert.deepEqual([...back.entries.keys()].sort(), ['o/1.w/0', 'p/1.w', 'p/2.b']);
    assert.deepEqual(Buffer.from(back.entries.get('p/1.w')!.data.buffer), Buffer.from(Float32Array.from([1.5, -0, NaN]).buffer));
  });

  it('refuses state of blocks the file does not hold, on write and on read', () => {
    assert.throws(() => encodeStageFile(new Map([['p/3.w', f32(1)]]), meta(1, [1, 2], 8)), dynpipeError('E_CHECKPOINT', /tensor 'p\/3\.w' is not state of blocks \[1, 2\]/));
    const forged = encodeTensors(new Map([['x', f32(1)]]), { kind: 'dynpipe-stage', ...meta(0, [0], 4) });
    assert.throws(() => decodeStageFile(forged, 'f'), dynpipeError('E_CHECKPOINT', /^f: tensor 'x' is not state of blocks \[0\]/));
  });

  it('refuses a tensor file that is not a stage file, naming the meta field', () => {
    assert.throws(() => decodeStageFile(encodeTensors(new Map(), { stage: 0 }), 'w.weights'), dynpipeError('E_CHECKPOINT', /^w\.weights: not a stage checkpoint file: meta\.kind: /));
    const bad = encodeTensors(new Map(), { kind: 'dynpipe-stage', ...meta(0, [0], 4), plan: { version: 1 } });
    assert.throws(() => decodeStageFile(bad, 'f'), dynpipeError('E_CHECKPOINT', /^f: meta\.plan: /));
  });
});
