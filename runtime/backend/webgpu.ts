/**
 * WebGPU in Node through Dawn's bindings (npm `webgpu`), and the tfjs webgpu backend on top.
 *
 * Dawn's `create(flags)` makes a GPU instance; we expose it as `navigator.gpu`, where
 * tfjs-backend-webgpu looks for it. Adapter choice on multi-GPU hosts goes through two Dawn
 * flags: `adapter=<text>` keeps the first adapter whose native device name contains <text> (the
 * name Dawn lists when nothing matches, e.g. 'llvmpipe (LLVM 15.0.6, 256 bits)', not the
 * sanitised GPUAdapterInfo.device), and `backend=<vulkan|...>` picks the native API. Dawn's bindings offer no index: identical GPUs
 * share a name, so to pin one of several identical GPUs restrict what the driver exposes to the
 * process instead (for Vulkan: the Mesa device-select layer's MESA_VK_DEVICE_SELECT, or
 * VK_ICD_FILENAMES; per-process CUDA_VISIBLE_DEVICES does not apply to Vulkan).
 *
 * Timing: the device gets `timestamp-query` whenever the adapter offers it, and Dawn's
 * `timestamp_quantization` is off, so tfjs's `tf.profile` reports each kernel's GPU time to the
 * nanosecond instead of in steps of 65.5 us (kernel-times.ts).
 *
 * Lifetime: while the instance is referenced Node will not exit, so `releaseWebGpu` drops it.
 * Reads from the webgpu backend must be async (`data()`): `dataSync()` needs a canvas in Node.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AdapterSummary } from './adapter.js';

export interface WebGpuOptions {
  /** Keep only adapters whose device name contains this text (Dawn's `adapter=` flag). */
  readonly adapter?: string;
  /** Dawn's native API: 'vulkan', 'opengl', 'd3d12', 'metal', ... (Dawn's `backend=` flag). */
  readonly dawnBackend?: string;
}

export type WebGpuProbe = { readonly found: true; readonly adapter: AdapterSummary } | { readonly found: false; readonly why: string };

interface Installed {
  readonly gpu: GPU;
  readonly key: string;
  /** true when we defined `globalThis.navigator` ourselves (Node 20 has none). */
  readonly ownsNavigator: boolean;
}

/** The Dawn instance we exposed as navigator.gpu; process-wide, as navigator is. */
let installed: Installed | null = null;

function dawnFlags(options: WebGpuOptions): string[] {
  const flags: string[] = ['disable-dawn-features=timestamp_quantization'];
  if (options.adapter !== undefined) flags.push(`adapter=${options.adapter}`);
  if (options.dawnBackend !== undefined) flags.push(`backend=${options.dawnBackend}`);
  return flags;
}

async function install(options: WebGpuOptions): Promise<GPU> {
  const key = dawnFlags(options).join('\n');
  if (installed !== null && installed.key === key) return installed.gpu;
  releaseWebGpu();
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals); // GPUBufferUsage, GPUMapMode, ... which tfjs-backend-webgpu reads
  const gpu = create(dawnFlags(options));
  const existing = (globalThis as { navigator?: object }).navigator;
  if (existing === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  } else {
    Object.defineProperty(existing, 'gpu', { value: gpu, configurable: true, writable: true });
  }
  installed = { gpu, key, ownsNavigator: existing === undefined };
  return gpu;
}

/** Drops our Dawn instance (and navigator.gpu) so the process can exit. Safe to call repeatedly. */
export function releaseWebGpu(): void {
  if (installed === null) return;
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (installed.ownsNavigator) delete g.navigator;
  else if (g.navigator !== undefined) delete g.navigator.gpu;
  installed = null;
}

function summarize(adapter: GPUAdapter): AdapterSummary {
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    // The spec moved isFallbackAdapter from GPUAdapter to GPUAdapterInfo; Dawn has the latter.
    isFallbackAdapter: Boolean(info.isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter),
  };
}

/**
 * Dawn's rejection, or our own "none found" (e.g. "no suitable backends found\nAvailable adapters:\n * backend: 'vulkan', name: ...")
 * as one line that names our filter and the adapters there are.
 */
function rejectionLine(e: unknown, options: WebGpuOptions): string {
  const lines = (e instanceof Error ? e.message : String(e)).split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const available = lines.filter((l) => l.startsWith('* ')).map((l) => l.slice(2));
  const filters = [
    options.adapter === undefined ? '' : `whose name contains '${options.adapter}'`,
    options.dawnBackend === undefined ? '' : `on Dawn backend '${options.dawnBackend}'`,
  ].filter((f) => f !== '');
  const head = filters.length > 0 ? `no WebGPU adapter ${filters.join(' ')}` : (lines[0] ?? 'WebGPU adapter request failed');
  return available.length > 0 ? `${head} (available: ${available.join('; ')})` : head;
}

async function requestAdapter(options: WebGpuOptions): Promise<GPUAdapter | null> {
  const gpu = await install(options);
  return gpu.requestAdapter({ powerPreference: 'high-performance' });
}

/** Looks for an adapter without touching tfjs. The Dawn instance stays installed for reuse. */
export async function probeWebGpu(options: WebGpuOptions = {}): Promise<WebGpuProbe> {
  try {
    const adapter = await requestAdapter(options);
    if (adapter === null) return { found: false, why: rejectionLine(new Error('no WebGPU adapter found'), options) };
    return { found: true, adapter: summarize(adapter) };
  } catch (e) {
    return { found: false, why: rejectionLine(e, options) };
  }
}

/**
 * Registers (or re-registers) tfjs's 'webgpu' backend over our Dawn instance and makes it
 * current. Resolves to the adapter used; rejects with Dawn's or tfjs's reason.
 */
export async function activateWebGpu(options: WebGpuOptions = {}): Promise<AdapterSummary> {
  const probe = await probeWebGpu(options);
  if (!probe.found) throw new Error(probe.why);
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  const active = tf.engine().registry['webgpu'] !== undefined;
  if (!active) {
    // Importing tfjs-backend-webgpu registers its own factory when navigator.gpu already exists;
    // ours replaces it so the backend is built on the adapter chosen by `options`.
    if (tf.findBackendFactory('webgpu') !== null) tf.removeBackend('webgpu');
    tf.registerBackend('webgpu', async () => {
      const adapter = await requestAdapter(options);
      if (adapter === null) throw new Error('the WebGPU adapter disappeared');
      const l = adapter.limits;
      const device = await adapter.requestDevice({
        requiredFeatures: adapter.features.has('timestamp-query') ? ['timestamp-query'] : [],
        requiredLimits: {
          maxBufferSize: l.maxBufferSize,
          maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
          maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
          maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
          maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
          maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
        },
      });
      return new WebGPUBackend(device, adapter.info);
    });
  }
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs could not initialise the webgpu backend');
  return probe.adapter;
}

/** Disposes tfjs's webgpu backend (if made) and drops the Dawn instance. */
export function shutdownWebGpu(): void {
  if (tf.findBackendFactory('webgpu') !== null) tf.removeBackend('webgpu');
  releaseWebGpu();
}
