/**
 * Makes one of tfjs's backends current for a CLI command and names the device it runs on.
 * Minimal on purpose (cpu, wasm, webgpu on Dawn); the backend registry of runtime/backend/ should
 * replace it once merged.
 */
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { DynpipeError } from '../errors.js';

export const BACKENDS = ['cpu', 'wasm', 'webgpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

async function installWebgpu(): Promise<string> {
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  const gpu = create([]);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new DynpipeError('E_BACKEND', 'webgpu: no adapter found (is a Vulkan driver such as Mesa lavapipe installed?)');
  await import('@tensorflow/tfjs-backend-webgpu');
  const info = adapter.info;
  return `${info.vendor || 'unknown vendor'} ${info.device || info.description || info.architecture || 'webgpu adapter'}`.trim();
}

/** Selects `name` and returns { backend, device } to record in a profile. Throws E_BACKEND if it cannot start. */
export async function selectBackend(name: BackendName): Promise<{ backend: string; device: string }> {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  let device = cpu;
  try {
    if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
    if (name === 'webgpu') device = await installWebgpu();
    if (!(await tf.setBackend(name))) throw new Error('tf.setBackend returned false');
    await tf.ready();
  } catch (e) {
    if (e instanceof DynpipeError) throw e;
    throw new DynpipeError('E_BACKEND', `backend ${name} is unavailable: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  }
  return { backend: name, device };
}
