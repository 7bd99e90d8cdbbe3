/**
 * The one place our kernels enter tfjs's kernel registry. Kernel files only export configs;
 * nothing is registered on import.
 *
 * Invariants:
 *  - our list holds at most one kernel per (backend, kernel name) key, else registration throws;
 *  - a built-in kernel is replaced only by an entry that says why (`replaces`); when a backend
 *    gains a kernel we supply without `replaces`, the built-in wins and ours is reported skipped;
 *  - registering twice is harmless: an entry already in the registry is left as it is;
 *  - a replaced built-in is remembered (kernels/builtin.ts): our kernels fall back to it for cases
 *    they do not cover, and `registerOwnKernels` puts it back when ours are switched off.
 *
 * Order matters: a backend package registers its kernels when imported, overwriting whatever
 * sits under the same key. So this module imports those packages first; never import one lazily
 * after `registerOwnKernels` ran. (Importing the webgpu package in Node registers its kernels
 * but not its backend, which needs navigator.gpu: webgpu.ts registers that.)
 */
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgpu';
import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { DynpipeError } from '../errors.js';
import { builtinKernel, rememberBuiltin } from './kernels/builtin.js';
import type { WebGpuKernelChoice } from './options.js';
import { batchMatMulConfig } from './kernels/wasm/batch-mat-mul.js';
import { conv2dBackpropFilterConfig } from './kernels/wasm/conv2d-backprop-filter.js';
import { conv2dBackpropInputConfig } from './kernels/wasm/conv2d-backprop-input.js';
import { depthwiseConv2dNativeBackpropFilterConfig } from './kernels/wasm/depthwise-conv2d-native-backprop-filter.js';
import { depthwiseConv2dNativeBackpropInputConfig } from './kernels/wasm/depthwise-conv2d-native-backprop-input.js';
import { maxPoolGradConfig } from './kernels/wasm/max-pool-grad.js';
import { unsortedSegmentSumConfig } from './kernels/wasm/unsorted-segment-sum.js';
import { batchMatMulConfig as webgpuBatchMatMulConfig } from './kernels/webgpu/batch-mat-mul.js';
import { conv2dConfig as webgpuConv2dConfig } from './kernels/webgpu/conv2d.js';
import { conv2dBackpropFilterConfig as webgpuConv2dBackpropFilterConfig } from './kernels/webgpu/conv2d-backprop-filter.js';
import { conv2dBackpropInputConfig as webgpuConv2dBackpropInputConfig } from './kernels/webgpu/conv2d-backprop-input.js';
import { meanConfig as webgpuMeanConfig, sumConfig as webgpuSumConfig } from './kernels/webgpu/sum-over-leading-axes.js';

export interface KernelEntry {
  readonly config: KernelConfig;
  /** Why this replaces the backend's own kernel of the same name; absent when the backend has none. */
  readonly replaces?: string;
}

export const OWN_KERNELS: readonly KernelEntry[] = [
  { config: conv2dBackpropFilterConfig },
  { config: unsortedSegmentSumConfig },
  { config: depthwiseConv2dNativeBackpropInputConfig },
  { config: depthwiseConv2dNativeBackpropFilterConfig },
  { config: batchMatMulConfig, replaces: 'the built-in runs every transposed or batched product in a scalar loop, 20-40x slower than XNNPACK' },
  { config: conv2dBackpropInputConfig, replaces: 'the built-in is a direct loop, 8-13x slower than the forward Conv2D on VGG shapes' },
  { config: maxPoolGradConfig, replaces: 'the built-in starts its running max at FLT_MIN, misrouting the gradient of windows whose values are all <= 0' },
  {
    config: webgpuConv2dBackpropFilterConfig,
    replaces: 'the built-in loops over batch x height x width in one invocation per weight: 15-30x slower than the forward conv on an H100 (issue #14)',
  },
  { config: webgpuConv2dConfig, replaces: 'the built-in reached 4.1 TFLOP/s on an H100, about a seventh of PyTorch fp32 (issue #14)' },
  { config: webgpuConv2dBackpropInputConfig, replaces: 'the built-in was slower than its forward conv, at a fifth of PyTorch fp32 on an H100 (issue #14)' },
  { config: webgpuBatchMatMulConfig, replaces: 'the built-in reached 16.5 TFLOP/s at 4096^2 on an H100, a third of PyTorch fp32 (issue #14)' },
  { config: webgpuSumConfig, replaces: "the built-in transposes x for a sum over leading axes (batch norm's), then gives each output one workgroup" },
  { config: webgpuMeanConfig, replaces: "the built-in transposes x for a mean over leading axes (batch norm's), then gives each output one workgroup" },
];

export interface RegistrationReport {
  /** Keys newly registered by this call (including replacements). */
  readonly registered: string[];
  /** Keys whose entry was already registered. */
  readonly alreadyRegistered: string[];
  /** Keys left to the backend's own kernel, with the reason. */
  readonly skipped: Array<{ key: string; why: string }>;
}

export function kernelKey(config: Pick<KernelConfig, 'backendName' | 'kernelName'>): string {
  return `${config.backendName}/${config.kernelName}`;
}

/** Registers `entries` (see the invariants above). Throws on a duplicate key within `entries`. */
export function registerKernels(entries: readonly KernelEntry[]): RegistrationReport {
  const seen = new Set<string>();
  for (const { config } of entries) {
    const key = kernelKey(config);
    if (seen.has(key)) throw new Error(`kernel list has two entries for ${key}`);
    seen.add(key);
  }
  const report: RegistrationReport = { registered: [], alreadyRegistered: [], skipped: [] };
  for (const { config, replaces } of entries) {
    const key = kernelKey(config);
    const current = getKernel(config.kernelName, config.backendName);
    if (current === config) {
      report.alreadyRegistered.push(key);
      continue;
    }
    if (current !== undefined) {
      if (replaces === undefined) {
        report.skipped.push({ key, why: `${config.backendName} now has its own ${config.kernelName}` });
        continue;
      }
      rememberBuiltin(current);
      unregisterKernel(config.kernelName, config.backendName);
    }
    registerKernel(config);
    report.registered.push(key);
  }
  return report;
}

/**
 * Takes `entries` out of the registry where they are registered, putting back the built-in each
 * replaced. Returns the keys restored to their built-in.
 */
export function unregisterKernels(entries: readonly KernelEntry[]): string[] {
  const restored: string[] = [];
  for (const { config } of entries) {
    if (getKernel(config.kernelName, config.backendName) !== config) continue;
    unregisterKernel(config.kernelName, config.backendName);
    const builtin = builtinKernel(config.kernelName, config.backendName);
    if (builtin !== undefined) {
      registerKernel(builtin);
      restored.push(kernelKey(config));
    }
  }
  return restored;
}

/**
 * Registers our kernels; of the webgpu ones only those `webgpu` selects, the others are taken out
 * (their built-ins put back) and reported skipped.
 */
export function registerOwnKernels(webgpu: WebGpuKernelChoice = 'all'): RegistrationReport {
  if (typeof webgpu !== 'string') {
    const ours = OWN_KERNELS.filter((e) => e.config.backendName === 'webgpu').map((e) => e.config.kernelName);
    const unknown = webgpu.find((name) => !ours.includes(name));
    if (unknown !== undefined) throw new DynpipeError('E_USAGE', `DYNPIPE_WEBGPU_OWN_KERNELS: we have no webgpu kernel '${unknown}' (ours: ${ours.join(', ')})`);
  }
  const wanted = (e: KernelEntry) => e.config.backendName !== 'webgpu' || webgpu === 'all' || (webgpu !== 'none' && webgpu.includes(e.config.kernelName));
  const off = OWN_KERNELS.filter((e) => !wanted(e));
  unregisterKernels(off);
  const report = registerKernels(OWN_KERNELS.filter(wanted));
  for (const e of off) report.skipped.push({ key: kernelKey(e.config), why: 'switched off by DYNPIPE_WEBGPU_OWN_KERNELS' });
  return report;
}
