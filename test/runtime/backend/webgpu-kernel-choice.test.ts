/**
 * DYNPIPE_WEBGPU_OWN_KERNELS: parsing, and registration that switches our webgpu kernels off
 * (putting tfjs's own back), on, or on for some kernels only. Touches the real kernel registry,
 * and leaves all of ours registered, as selectBackend would.
 */
import { strict as assert } from 'node:assert';
import { Conv2D, Conv2DBackpropFilter, getKernel } from '@tensorflow/tfjs-core';
import { isDynpipeError } from '../../../runtime/errors.js';
import { builtinKernel } from '../../../runtime/backend/kernels/builtin.js';
import { webgpuKernelsFromEnv } from '../../../runtime/backend/options.js';
import { OWN_KERNELS, registerOwnKernels } from '../../../runtime/backend/register.js';

const NAMES = OWN_KERNELS.filter((e) => e.config.backendName === 'webgpu').map((e) => e.config.kernelName);

function ours(kernelName: string) {
  return OWN_KERNELS.find((e) => e.config.backendName === 'webgpu' && e.config.kernelName === kernelName)?.config;
}

describe('choosing our webgpu kernels', () => {
  after(() => registerOwnKernels('all'));

  it('parses DYNPIPE_WEBGPU_OWN_KERNELS', () => {
    assert.equal(webgpuKernelsFromEnv({}), 'all');
    assert.equal(webgpuKernelsFromEnv({ DYNPIPE_WEBGPU_OWN_KERNELS: '1' }), 'all');
    assert.equal(webgpuKernelsFromEnv({ DYNPIPE_WEBGPU_OWN_KERNELS: ' 0 ' }), 'none');
    assert.equal(webgpuKernelsFromEnv({ DYNPIPE_WEBGPU_OWN_KERNELS: 'None' }), 'none');
    assert.deepEqual(webgpuKernelsFromEnv({ DYNPIPE_WEBGPU_OWN_KERNELS: 'Conv2D, BatchMatMul' }), ['Conv2D', 'BatchMatMul']);
    assert.throws(() => webgpuKernelsFromEnv({ DYNPIPE_WEBGPU_OWN_KERNELS: 'Conv2D;x' }), (e) => isDynpipeError(e, 'E_USAGE') && /got 'Conv2D;x'/.test(e.message));
  });

  it('registers ours for every kernel name, and puts the built-ins back when switched off', () => {
    assert.ok(NAMES.includes(Conv2D) && NAMES.includes(Conv2DBackpropFilter));
    registerOwnKernels('all');
    for (const name of NAMES) assert.equal(getKernel(name, 'webgpu'), ours(name), name);
    const report = registerOwnKernels('none');
    for (const name of NAMES) {
      const builtin = builtinKernel(name, 'webgpu');
      assert.ok(builtin !== undefined && builtin !== ours(name), `${name}: a built-in was remembered`);
      assert.equal(getKernel(name, 'webgpu'), builtin, name);
    }
    assert.deepEqual(report.skipped.map((s) => s.key).sort(), NAMES.map((n) => `webgpu/${n}`).sort());
  });

  it('registers only the kernels named', () => {
    registerOwnKernels([Conv2DBackpropFilter]);
    assert.equal(getKernel(Conv2DBackpropFilter, 'webgpu'), ours(Conv2DBackpropFilter));
    assert.equal(getKernel(Conv2D, 'webgpu'), builtinKernel(Conv2D, 'webgpu'));
  });

  it('rejects a name we have no webgpu kernel for', () => {
    assert.throws(() => registerOwnKernels(['Conv3D']), (e) => isDynpipeError(e, 'E_USAGE') && /no webgpu kernel 'Conv3D' \(ours: .*Conv2DBackpropFilter/.test(e.message));
  });
});
