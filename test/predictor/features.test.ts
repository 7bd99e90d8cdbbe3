import { strict as assert } from 'node:assert';
import {
  DEVICE_NAMES,
  FEATURES,
  MISSING,
  STATIC_NAMES,
  fromVector,
  parseDeviceFeatures,
  staticFeatures,
  toVector,
} from '../../predictor/features.js';
import { deviceFeatures } from '../../predictor/observation.js';
import { isDynpipeError } from '../../runtime/errors.js';
import { quietDevice, tinySpec } from './fixtures.js';

describe('predictor features', () => {
  it('defines every feature once, static ones first, each with a unit and a doc', () => {
    const names = FEATURES.map((f) => f.name);
    assert.equal(new Set(names).size, names.length);
    assert.deepEqual(names, [...STATIC_NAMES, ...DEVICE_NAMES]);
    for (const f of FEATURES) assert.ok(f.unit.length > 0 && f.doc.length > 0, f.name);
  });

  it('computes static features of a block range from the blocks (hand-counted)', () => {
    const s = staticFeatures(tinySpec(), 0, 2, 2, 7.5);
    assert.deepEqual(s, {
      batch_size: 2,
      blocks: 2,
      gflops: ((4608 + 256) * 2) / 1e9,
      mparams: 40 / 1e6,
      activation_mb: ((256 + 64) * 4 * 2) / 1e6,
      boundary_mb: (64 * 4 * 2) / 1e6,
      flops_per_byte: 9728 / (2560 + 4 * 40),
      conv_blocks: 1,
      dense_blocks: 0,
      attention_blocks: 0,
      pool_blocks: 1,
      other_blocks: 0,
      alone_ms: 7.5,
    });
    const t = staticFeatures(tinySpec(), 2, 4, 1, 1);
    assert.equal(t.dense_blocks, 1);
    assert.equal(t.other_blocks, 1); // 'head' counts as other
    assert.equal(t.flops_per_byte, 1300 / (80 + 4 * 650));
  });

  it('changes only the static part of the vector when the block range changes on the same device', () => {
    const device = { ...quietDevice(), cpu_peer: 0.7, gpu_util: 0.25 };
    const a = toVector(staticFeatures(tinySpec(), 0, 2, 4, 3), device);
    const b = toVector(staticFeatures(tinySpec(), 2, 4, 4, 5), device);
    const k = STATIC_NAMES.length;
    assert.deepEqual(a.slice(k), b.slice(k));
    assert.notDeepEqual(a.slice(0, k), b.slice(0, k));
  });

  it('round-trips vectors, mapping null to MISSING and back', () => {
    const s = staticFeatures(tinySpec(), 1, 3, 8, 2);
    const d = { ...quietDevice(), gpu_util: 0.5 };
    const v = toVector(s, d);
    assert.equal(v[FEATURES.findIndex((f) => f.name === 'gpu_procs')], MISSING);
    assert.deepEqual(fromVector(v), { static: s, device: d });
  });

  it('rejects bad ranges, batch sizes and device objects with E_PREDICTOR naming the field', () => {
    assert.throws(() => staticFeatures(tinySpec(), 2, 2, 1, 1), (e: unknown) => isDynpipeError(e, 'E_PREDICTOR') && /\[2, 2\)/.test(e.message));
    assert.throws(() => staticFeatures(tinySpec(), 0, 5, 1, 1), (e: unknown) => isDynpipeError(e, 'E_PREDICTOR'));
    assert.throws(() => staticFeatures(tinySpec(), 0, 1, 0, 1), (e: unknown) => isDynpipeError(e, 'E_PREDICTOR') && /batch size/.test(e.message));
    assert.throws(() => staticFeatures(tinySpec(), 0, 1, 1, 0), (e: unknown) => isDynpipeError(e, 'E_PREDICTOR') && e.message === 'profiled alone time must be a finite number of ms > 0, got 0');
    const { cpu_peer: _dropped, ...partial } = quietDevice();
    assert.throws(() => parseDeviceFeatures(partial, 'dev.json'), (e: unknown) => isDynpipeError(e, 'E_PREDICTOR') && e.message === 'dev.json: cpu_peer: expected a finite number, got undefined');
    assert.throws(() => parseDeviceFeatures({ ...quietDevice(), cpu_self: null }, 'dev.json'), (e: unknown) => isDynpipeError(e, 'E_PREDICTOR') && /cpu_self/.test(e.message));
    assert.throws(() => parseDeviceFeatures({ ...quietDevice(), bogus: 1 }, 'dev.json'), (e: unknown) => isDynpipeError(e, 'E_PREDICTOR') && /bogus: not a device feature/.test(e.message));
    assert.deepEqual(parseDeviceFeatures(quietDevice(), 'dev.json'), quietDevice());
  });

  it('derives stage features from the observer window', () => {
    const host = quietDevice();
    const d = deviceFeatures(host, { computeMsPerMicrobatch: 30, profiledComputeMsPerMicrobatch: 20, flopsPerByte: 7, waitMs: 250, sends: 5, sendWaitMs: 100, windowMs: 1000 });
    assert.equal(d.self_compute_ratio, 1.5);
    assert.equal(d.self_flops_per_byte, 7);
    assert.equal(d.wait_fraction, 0.25);
    assert.equal(d.send_wait_ms, 20);
    assert.equal(d.cpu_util_cores, host.cpu_util_cores);
    assert.throws(
      () => deviceFeatures(host, { computeMsPerMicrobatch: 1, profiledComputeMsPerMicrobatch: 0, flopsPerByte: 1, waitMs: 0, sends: 0, sendWaitMs: 0, windowMs: 1 }),
      (e: unknown) => isDynpipeError(e, 'E_PREDICTOR') && /profiledComputeMsPerMicrobatch/.test(e.message),
    );
  });
});
