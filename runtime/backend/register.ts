/**
 * The one place our kernels enter tfjs's kernel registry. Kernel files only export configs;
 * nothing is registered on import.
 *
 * Invariants:
 *  - our list holds at most one kernel per (backend, kernel name) key, else registration throws;
 *  - a built-in kernel is replaced only by an entry that says why (`replaces`); when a backend
 *    gains a kernel we supply without `replaces`, the built-in wins and ours is reported skipped;
 *  - registering twice is harmless: an entry already in the registry is left as it is.
 *
 * Order matters: a backend package registers its kernels when imported, overwriting whatever
 * sits under the same key. So this module imports those packages first; never import one lazily
 * after `registerOwnKernels` ran (the webgpu package is safe: we register nothing for it).
 */
import '@tensorflow/tfjs-backend-wasm';
import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { batchMatMulConfig } from './kernels/wasm/batch-mat-mul.js';
import { conv2dBackpropFilterConfig } from './kernels/wasm/conv2d-backprop-filter.js';
import { conv2dBackpropInputConfig } from './kernels/wasm/conv2d-backprop-input.js';
import { depthwiseConv2dNativeBackpropFilterConfig } from './kernels/wasm/depthwise-conv2d-native-backprop-filter.js';
import { depthwiseConv2dNativeBackpropInputConfig } from './kernels/wasm/depthwise-conv2d-native-backprop-input.js';
import { maxPoolGradConfig } from './kernels/wasm/max-pool-grad.js';
import { unsortedSegmentSumConfig } from './kernels/wasm/unsorted-segment-sum.js';

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
      unregisterKernel(config.kernelName, config.backendName);
    }
    registerKernel(config);
    report.registered.push(key);
  }
  return report;
}

export function registerOwnKernels(): RegistrationReport {
  return registerKernels(OWN_KERNELS);
}
