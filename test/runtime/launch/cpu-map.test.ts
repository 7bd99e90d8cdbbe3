import assert from 'node:assert/strict';
import { parseCpuMap } from '../../../runtime/launch/cpu-map.js';
import { isDynpipeError } from '../../../runtime/errors.js';

describe('parseCpuMap', () => {
  it("splits on ',' when there is no ';' (one core per rank)", () => {
    assert.deepEqual(parseCpuMap('0,0,1,1', 4), { cpuSets: ['0', '0', '1', '1'], cores: [[0], [0], [1], [1]] });
  });

  it("splits on ';' when there is one, so entries may be lists", () => {
    assert.deepEqual(parseCpuMap('0-1;2,3;4', 3), { cpuSets: ['0-1', '2,3', '4'], cores: [[0, 1], [2, 3], [4]] });
  });

  it('names the flag and the count when ranks and entries differ', () => {
    assert.throws(() => parseCpuMap('0,1', 4), (e) => isDynpipeError(e, 'E_USAGE') && /--cpu-map: expected one core list per rank \(4\), got 2/.test(e.message));
  });

  it('names the rank of a bad or empty entry', () => {
    assert.throws(() => parseCpuMap('0;x;1', 3), (e) => isDynpipeError(e, 'E_USAGE') && /--cpu-map rank 1/.test(e.message));
    assert.throws(() => parseCpuMap('0;*;1', 3), (e) => isDynpipeError(e, 'E_USAGE') && /rank 1 needs at least one core/.test(e.message));
  });
});
