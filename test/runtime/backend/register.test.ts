import { strict as assert } from 'node:assert';
import { Abs, Neg, getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { registerKernels } from '../../../runtime/backend/register.js';

/** A backend name no real backend uses, so these tests leave the real registry alone. */
const FAKE = 'dynpipe-register-test';

function kernel(kernelName: string): KernelConfig {
  return { kernelName, backendName: FAKE, kernelFunc: () => ({ dataId: {}, shape: [], dtype: 'float32' }) };
}

describe('kernel registration', () => {
  afterEach(() => {
    for (const name of [Abs, Neg]) if (getKernel(name, FAKE) !== undefined) unregisterKernel(name, FAKE);
  });

  it('throws on two entries for one (backend, kernel) key, before registering anything', () => {
    assert.throws(() => registerKernels([{ config: kernel(Neg) }, { config: kernel(Abs) }, { config: kernel(Abs) }]), /two entries for dynpipe-register-test\/Abs/);
    assert.equal(getKernel(Neg, FAKE), undefined);
  });

  it('registers once; a second call finds its entries already there', () => {
    const abs = kernel(Abs);
    assert.deepEqual(registerKernels([{ config: abs }]), { registered: [`${FAKE}/Abs`], alreadyRegistered: [], skipped: [] });
    assert.deepEqual(registerKernels([{ config: abs }]), { registered: [], alreadyRegistered: [`${FAKE}/Abs`], skipped: [] });
    assert.equal(getKernel(Abs, FAKE), abs);
  });

  it('leaves a built-in alone unless the entry says why it replaces it', () => {
    const builtin = kernel(Abs);
    registerKernel(builtin);
    const ours = kernel(Abs);
    assert.deepEqual(registerKernels([{ config: ours }]).skipped, [{ key: `${FAKE}/Abs`, why: `${FAKE} now has its own Abs` }]);
    assert.equal(getKernel(Abs, FAKE), builtin);
    assert.deepEqual(registerKernels([{ config: ours, replaces: 'the built-in is wrong' }]).registered, [`${FAKE}/Abs`]);
    assert.equal(getKernel(Abs, FAKE), ours);
  });
});
