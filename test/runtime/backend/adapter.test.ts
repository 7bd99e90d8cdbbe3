import { strict as assert } from 'node:assert';
import { adapterLabel, softwareRenderer, type AdapterSummary } from '../../../runtime/backend/adapter.js';

/** As Dawn reports Mesa's lavapipe on our dev box (Mesa 25, bookworm-backports). */
const LAVAPIPE: AdapterSummary = {
  vendor: 'mesa',
  architecture: 'software',
  device: 'llvmpipe-llvm-15-0-6-256-bits-',
  description: 'llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1',
  isFallbackAdapter: true,
};

const H100: AdapterSummary = { vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H100 80GB HBM3', description: 'NVIDIA: 570.86.15 570.86.15.0', isFallbackAdapter: false };
const RADV: AdapterSummary = { vendor: 'amd', architecture: 'rdna-3', device: 'AMD Radeon RX 7900 XTX (RADV NAVI31)', description: 'radv: Mesa 25.0.7', isFallbackAdapter: false };

describe('WebGPU adapter classification', () => {
  it('names the CPU renderer behind software adapters', () => {
    assert.equal(softwareRenderer(LAVAPIPE), 'llvmpipe');
    assert.equal(softwareRenderer({ ...H100, vendor: 'google', device: 'SwiftShader Device (Subzero)', description: 'SwiftShader driver' }), 'SwiftShader');
    assert.equal(softwareRenderer({ ...H100, vendor: 'microsoft', device: 'Microsoft Basic Render Driver', description: '' }), 'WARP');
  });

  it('counts unknown fallback, software and cpu adapters as CPU', () => {
    assert.equal(softwareRenderer({ ...H100, device: 'Mystery', description: '', isFallbackAdapter: true }), 'a fallback adapter');
    assert.equal(softwareRenderer({ ...H100, device: 'Mystery', description: '', architecture: 'Software' }), 'a software adapter');
    assert.equal(softwareRenderer({ ...H100, device: 'Mystery', description: '', architecture: 'cpu' }), 'a cpu adapter');
  });

  it('accepts real GPUs, including Mesa hardware drivers', () => {
    assert.equal(softwareRenderer(H100), null);
    assert.equal(softwareRenderer(RADV), null);
  });

  it('labels an adapter by description, else vendor and device', () => {
    assert.equal(adapterLabel(LAVAPIPE), 'llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1');
    assert.equal(adapterLabel({ ...H100, description: ' ' }), 'nvidia NVIDIA H100 80GB HBM3');
    assert.equal(adapterLabel({ vendor: '', architecture: '', device: '', description: '', isFallbackAdapter: false }), 'unnamed adapter');
  });
});
