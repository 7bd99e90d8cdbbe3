import { strict as assert } from 'node:assert';
import { pickAuto, type BackendProbe } from '../../../runtime/backend/auto.js';

const NO_NODE: BackendProbe = { name: 'tensorflow', available: false, detail: 'not installed' };
const NODE: BackendProbe = { name: 'tensorflow', available: true, detail: 'libtensorflow via @tensorflow/tfjs-node-gpu' };
const GPU: BackendProbe = { name: 'webgpu', available: true, detail: 'NVIDIA H100', cpuRenderer: null };
const LLVMPIPE: BackendProbe = { name: 'webgpu', available: true, detail: 'llvmpipe', cpuRenderer: 'llvmpipe' };
const NO_ADAPTER: BackendProbe = { name: 'webgpu', available: false, detail: 'no WebGPU adapter found' };
const WASM: BackendProbe = { name: 'wasm', available: true, detail: 'XNNPACK, SIMD, 1 thread' };
const NO_WASM: BackendProbe = { name: 'wasm', available: false, detail: 'the wasm module failed to instantiate' };
const CPU: BackendProbe = { name: 'cpu', available: true, detail: 'JavaScript kernels' };

describe('auto backend policy', () => {
  it('prefers tfjs-node over everything', () => {
    assert.deepEqual(pickAuto([NODE, GPU, WASM, CPU]), { name: 'tensorflow', reason: 'using tensorflow' });
  });

  it('takes webgpu on a real GPU when tfjs-node is missing', () => {
    assert.deepEqual(pickAuto([NO_NODE, GPU, WASM, CPU]), { name: 'webgpu', reason: 'tensorflow: not installed; using webgpu' });
  });

  it('skips a CPU-rendered WebGPU adapter for wasm, saying so', () => {
    assert.deepEqual(pickAuto([NO_NODE, LLVMPIPE, WASM, CPU]), { name: 'wasm', reason: 'tensorflow: not installed; webgpu adapter is llvmpipe (CPU); using wasm' });
  });

  it('falls back to cpu, even when cpu was not probed', () => {
    assert.deepEqual(pickAuto([NO_NODE, NO_ADAPTER, NO_WASM, CPU]), {
      name: 'cpu',
      reason: 'tensorflow: not installed; webgpu: no WebGPU adapter found; wasm: the wasm module failed to instantiate; using cpu',
    });
    assert.deepEqual(pickAuto([NO_WASM]), { name: 'cpu', reason: 'wasm: the wasm module failed to instantiate; using cpu' });
  });
});
