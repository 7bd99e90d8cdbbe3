import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs-core';
import { isDynpipeError } from '../../../runtime/errors.js';
import { pickAuto } from '../../../runtime/backend/auto.js';
import { backendOptionsFromEnv, parseBackendName } from '../../../runtime/backend/options.js';
import { listBackends, releaseBackends, selectBackend } from '../../../runtime/backend/select.js';

describe('backend selection', () => {
  after(() => releaseBackends());

  it('auto starts the backend the policy picks from this machine\'s probes, with its reason', async () => {
    const expected = pickAuto(await listBackends());
    const choice = await selectBackend('auto');
    assert.equal(choice.name, expected.name);
    assert.equal(choice.reason, expected.reason);
    assert.equal(tf.getBackend(), choice.name);
  });

  it('starts an explicitly requested backend', async () => {
    const choice = await selectBackend('cpu');
    assert.deepEqual(choice, { name: 'cpu', reason: 'requested explicitly', device: 'JavaScript (tfjs cpu backend)' });
    assert.equal(tf.getBackend(), 'cpu');
  });

  it('fails with E_BACKEND and an install hint when tfjs-node is absent (it is not a dependency)', async () => {
    await assert.rejects(selectBackend('tensorflow'), (e: unknown) => isDynpipeError(e, 'E_BACKEND') && /^backend 'tensorflow' unavailable: .*install @tensorflow\/tfjs-node/.test(e.message));
  });

  it('fails with E_BACKEND naming the adapter filter when no WebGPU adapter matches it', async () => {
    await assert.rejects(
      selectBackend('webgpu', { webgpu: { adapter: 'no-such-gpu-7f3a' } }),
      (e: unknown) => isDynpipeError(e, 'E_BACKEND') && e.message.startsWith("backend 'webgpu' unavailable: ") && e.message.includes('no-such-gpu-7f3a') && !e.message.includes('\n'),
    );
  });

  it('reads WebGPU adapter options from the environment', () => {
    assert.deepEqual(backendOptionsFromEnv({ DYNPIPE_WEBGPU_ADAPTER: ' H100 ', DYNPIPE_WEBGPU_BACKEND: 'Vulkan' }), { webgpu: { adapter: 'H100', dawnBackend: 'vulkan' }, webgpuKernels: 'all' });
    assert.deepEqual(backendOptionsFromEnv({ DYNPIPE_WEBGPU_ADAPTER: '' }), { webgpu: { adapter: undefined, dawnBackend: undefined }, webgpuKernels: 'all' });
    assert.throws(() => backendOptionsFromEnv({ DYNPIPE_WEBGPU_BACKEND: 'glide' }), (e: unknown) => isDynpipeError(e, 'E_USAGE') && e.message.endsWith("got 'glide'"));
  });

  it('parses backend names for --backend', () => {
    assert.equal(parseBackendName('wasm'), 'wasm');
    assert.throws(() => parseBackendName('tpu'), (e: unknown) => isDynpipeError(e, 'E_USAGE') && e.message === "--backend: expected one of auto, tensorflow, webgpu, wasm, cpu, got 'tpu'");
  });
});
