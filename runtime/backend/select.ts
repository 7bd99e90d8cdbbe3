/**
 * Choosing and starting the tfjs compute backend of this process.
 *
 * `selectBackend` registers our kernels (register.ts), then makes the requested backend current
 * (`tf.setBackend` + `tf.ready`). An explicit request that cannot be met fails with E_BACKEND
 * naming the reason and what to install; `auto` probes every backend and follows auto.ts.
 * tfjs's own console chatter (the "install tfjs-node" banner, sync-read warnings) is silenced by
 * tfjs's PROD flag, which only gates warnings and debug checks.
 */
import '@tensorflow/tfjs'; // the union package: registers the cpu backend and every gradient
import * as tf from '@tensorflow/tfjs-core';
import { DynpipeError } from '../errors.js';
import { adapterLabel, softwareRenderer } from './adapter.js';
import { AUTO_ORDER, pickAuto, type BackendProbe, type ConcreteBackend } from './auto.js';
import { webgpuKernelsFromEnv, type BackendName, type BackendOptions } from './options.js';
import { loadTfjsNode } from './native.js';
import { registerOwnKernels } from './register.js';
import { activateWasm, wasmDetail } from './wasm.js';
import { activateWebGpu, probeWebGpu, releaseWebGpu, shutdownWebGpu } from './webgpu.js';

export type { ConcreteBackend } from './auto.js';
export { BACKEND_NAMES, backendOptionsFromEnv, isBackendName, parseBackendName, webgpuKernelsFromEnv, type BackendName, type BackendOptions, type WebGpuKernelChoice } from './options.js';

export interface BackendChoice {
  name: ConcreteBackend;
  reason: string;
  device: string;
}

/** One line of `dynpipe info`: whether a backend can run here, and what it would run on (or why not). */
export type BackendStatus = BackendProbe;

export const INSTALL_HINTS: Readonly<Record<ConcreteBackend, string>> = {
  tensorflow: 'install @tensorflow/tfjs-node (CPU) or @tensorflow/tfjs-node-gpu (CUDA) at the tfjs version in package.json',
  webgpu: 'install a Vulkan driver (the NVIDIA driver with its Vulkan ICD, or mesa-vulkan-drivers) and the npm package webgpu',
  wasm: 'reinstall @tensorflow/tfjs-backend-wasm (its .wasm files must sit next to its dist/)',
  cpu: 'reinstall @tensorflow/tfjs',
};

function quietTfjs(): void {
  tf.env().set('PROD', true);
}

function unavailable(name: ConcreteBackend, why: string): DynpipeError {
  return new DynpipeError('E_BACKEND', `backend '${name}' unavailable: ${why}; ${INSTALL_HINTS[name]}`);
}

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

async function probe(name: ConcreteBackend, options: BackendOptions): Promise<BackendProbe> {
  switch (name) {
    case 'tensorflow': {
      const native = await loadTfjsNode();
      return native.loaded ? { name, available: true, detail: `libtensorflow via ${native.packageName}` } : { name, available: false, detail: native.why };
    }
    case 'webgpu': {
      const found = await probeWebGpu(options.webgpu);
      if (!found.found) return { name, available: false, detail: found.why };
      const cpuRenderer = softwareRenderer(found.adapter);
      const detail = adapterLabel(found.adapter) + (cpuRenderer === null ? '' : ` (CPU renderer: ${cpuRenderer})`);
      return { name, available: true, detail, cpuRenderer };
    }
    case 'wasm': {
      const previous = tf.getBackend();
      const ok = await activateWasm().catch(() => false);
      const status: BackendProbe = ok ? { name, available: true, detail: await wasmDetail() } : { name, available: false, detail: 'the wasm module failed to instantiate' };
      if (previous && previous !== 'wasm') await tf.setBackend(previous);
      return status;
    }
    case 'cpu':
      return { name, available: true, detail: 'JavaScript kernels (slowest)' };
  }
}

/** Probes every backend, best first, leaving the current backend as it was (if there was one). */
export async function listBackends(options: BackendOptions = {}): Promise<BackendStatus[]> {
  quietTfjs();
  const probes: BackendProbe[] = [];
  for (const name of AUTO_ORDER) probes.push(await probe(name, options));
  if (tf.getBackend() !== 'webgpu') releaseWebGpu();
  return probes;
}

/** Makes `name` current; resolves to a description of the device it runs on. */
async function activate(name: ConcreteBackend, options: BackendOptions): Promise<string> {
  registerOwnKernels(options.webgpuKernels ?? webgpuKernelsFromEnv(process.env));
  switch (name) {
    case 'tensorflow': {
      const native = await loadTfjsNode();
      if (!native.loaded) throw unavailable(name, native.why);
      if (!(await tf.setBackend('tensorflow'))) throw unavailable(name, `${native.packageName} loaded but its backend did not initialise`);
      return `libtensorflow via ${native.packageName}`;
    }
    case 'webgpu': {
      try {
        const adapter = await activateWebGpu(options.webgpu);
        const cpuRenderer = softwareRenderer(adapter);
        return adapterLabel(adapter) + (cpuRenderer === null ? '' : ` (CPU renderer: ${cpuRenderer})`);
      } catch (e) {
        shutdownWebGpu();
        throw unavailable(name, message(e));
      }
    }
    case 'wasm':
      if (!(await activateWasm().catch(() => false))) throw unavailable(name, 'the wasm module failed to instantiate');
      return `wasm: ${await wasmDetail()}`;
    case 'cpu':
      if (!(await tf.setBackend('cpu'))) throw unavailable(name, 'the cpu backend did not initialise');
      return 'JavaScript (tfjs cpu backend)';
  }
}

/**
 * Registers our kernels and makes a backend current. An explicit name either succeeds or throws
 * DynpipeError E_BACKEND; 'auto' always succeeds (cpu at worst) and says why it chose as it did.
 */
export async function selectBackend(requested: BackendName, options: BackendOptions = {}): Promise<BackendChoice> {
  quietTfjs();
  if (requested !== 'auto') {
    const device = await activate(requested, options);
    await tf.ready();
    return { name: requested, reason: 'requested explicitly', device };
  }
  let probes = await listBackends(options);
  for (;;) {
    const pick = pickAuto(probes);
    try {
      const device = await activate(pick.name, options);
      await tf.ready();
      if (pick.name !== 'webgpu') releaseWebGpu();
      return { name: pick.name, reason: pick.reason, device };
    } catch (e) {
      if (pick.name === 'cpu') throw e;
      probes = probes.map((p) => (p.name === pick.name ? { name: p.name, available: false, detail: `failed to start: ${message(e)}` } : p));
    }
  }
}

/** Frees what keeps the process alive (the Dawn instance behind webgpu). Call before exiting. */
export function releaseBackends(): void {
  shutdownWebGpu();
}
