import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  DEFAULT_TILING_OPTIONS,
  TILE_SHAPES,
  chooseTiling,
  invocations,
  splitK,
  tileUse,
  tilingCost,
  type GemmShape,
} from '../../../../../runtime/backend/kernels/webgpu/gemm-tiling.js';

describe('GEMM tiling', () => {
  it('every tile shape holds whole vec4s per invocation and loads its tiles in whole rounds', () => {
    for (const t of TILE_SHAPES) {
      const label = `${t.tileM}x${t.tileN}`;
      assert.equal(t.threadM % 4, 0, label);
      assert.equal(t.threadN % 4, 0, label);
      assert.ok(invocations(t) <= 256, label);
      for (const width of [1, 4]) {
        assert.equal(((t.tileK * t.tileM) / width) % invocations(t), 0, `${label} A, width ${width}`);
        assert.equal(((t.tileK * t.tileN) / width) % invocations(t), 0, `${label} B, width ${width}`);
      }
    }
  });

  it('splits the k range into tileK multiples of at least minKPerSplit', () => {
    // 396 / 12 = 33, rounded up to 48; 396 / 48 = 8.25, so 9 slices, the last of 12
    assert.deepEqual(splitK(396, 16, 264, 32), { splits: 9, kPerSplit: 48 });
    // 20 < 32: no split, one slice padded to a whole tile
    assert.deepEqual(splitK(20, 16, 10, 32), { splits: 1, kPerSplit: 32 });
    assert.deepEqual(splitK(4096, 16, 1, 32), { splits: 1, kPerSplit: 4096 });
  });

  it('gives a 4096^2 product 128x128 tiles and no split', () => {
    // 32 x 32 = 1024 tiles already fill 264 slots
    assert.deepEqual(chooseTiling({ m: 4096, n: 4096, k: 4096, batch: 1 }), { ...TILE_SHAPES[0], splits: 1, kPerSplit: 4096 });
  });

  it('splits the filter gradient of a 32x32x64 3x3 conv at batch 256 across ~264 workgroups', () => {
    // m = 3*3*64 = 576, n = 64, k = 256*32*32 = 262144. 128x128 and 64x128 waste over half of
    // their tiles (use 0.45 and 0.5). 128x64: 5 tiles, 53 slices of roundUp(262144/53, 16) = 4960,
    // 265 workgroups, cost 1.0038 * 128*64*4960 / 0.8 = 51.0e6; 64x64: 9 tiles x 30 slices of 8752,
    // cost 1.0227 * 64*64*8752 / 0.7 = 52.4e6; 32x32: 36 tiles x 8 slices, cost 104.6e6.
    const shape: GemmShape = { m: 576, n: 64, k: 262144, batch: 1 };
    const t = chooseTiling(shape);
    assert.deepEqual([t.tileM, t.tileN, t.splits, t.kPerSplit], [128, 64, 53, 4960]);
    assert.ok(Math.abs(tilingCost(shape, t, DEFAULT_TILING_OPTIONS) - 50.98e6) < 0.01e6);
  });

  it('falls back to the smallest tile when every tile wastes most of its outputs', () => {
    const t = chooseTiling({ m: 5, n: 3, k: 7, batch: 1 });
    assert.deepEqual([t.tileM, t.tileN, t.splits, t.kPerSplit], [32, 32, 1, 16]);
    assert.ok(tileUse({ m: 5, n: 3, k: 7, batch: 1 }, t) < 0.02);
  });

  it('rejects dimensions that are not positive integers', () => {
    assert.throws(() => chooseTiling({ m: 0, n: 3, k: 7, batch: 1 }), /m=0 n=3 k=7 batch=1/);
    assert.throws(() => chooseTiling({ m: 2.5, n: 3, k: 7, batch: 1 }), /positive integers/);
  });

  it('always covers k exactly once with non-empty slices (random shapes)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 300000 }), fc.integer({ min: 1, max: 64 }), (m, n, k, batch) => {
        const t = chooseTiling({ m, n, k, batch });
        assert.equal(t.kPerSplit % t.tileK, 0);
        assert.ok(t.kPerSplit >= Math.min(k, DEFAULT_TILING_OPTIONS.minKPerSplit));
        assert.ok(t.splits * t.kPerSplit >= k && (t.splits - 1) * t.kPerSplit < k, `${t.splits} x ${t.kPerSplit} for k = ${k}`);
        assert.ok(TILE_SHAPES.some((s) => s.tileM === t.tileM && s.tileN === t.tileN));
      }),
      { numRuns: 300 },
    );
  });
});
