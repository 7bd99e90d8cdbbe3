import { strict as assert } from 'node:assert';
import { planColumnSum } from '../../../../../runtime/backend/kernels/webgpu/column-sum.js';
import { leadingAxes } from '../../../../../runtime/backend/kernels/webgpu/sum-over-leading-axes.js';

describe('column sums', () => {
  it("spreads batch norm's sum over 256x32x32 rows of 64 channels across 264 workgroups", () => {
    // 16 vec4 columns in one band; 264 slices of ceil(262144 / 264) = 993 rows (the last has 985)
    assert.deepEqual(planColumnSum(256 * 32 * 32, 64), { width: 4, vectorCols: 16, colThreads: 16, rowThreads: 16, bands: 1, slices: 264, rowsPerSlice: 993 });
  });

  it('keeps few rows in one slice and narrows the workgroup to the columns there are', () => {
    assert.deepEqual(planColumnSum(3, 1), { width: 1, vectorCols: 1, colThreads: 1, rowThreads: 256, bands: 1, slices: 1, rowsPerSlice: 3 });
    // 6 columns are not whole vec4s: scalar columns, 8 across, 32 down, at least 64 rows a slice
    assert.deepEqual(planColumnSum(360, 6), { width: 1, vectorCols: 6, colThreads: 8, rowThreads: 32, bands: 1, slices: 5, rowsPerSlice: 72 });
  });

  it('recognises reductions over a prefix of the axes only', () => {
    assert.equal(leadingAxes([0, 1, 2], [2, 3, 4, 5]), 3);
    assert.equal(leadingAxes([1, -4], [2, 3, 4, 5]), 2);
    assert.equal(leadingAxes(0, [2, 3]), 1);
    assert.equal(leadingAxes([1, 2], [2, 3, 4, 5]), null);
    assert.equal(leadingAxes(-1, [2, 3]), null);
  });
});
