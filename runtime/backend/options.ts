/**
 * Backend names and options as plain data, with no tfjs import, so a CLI can validate
 * `--backend` and the DYNPIPE_WEBGPU_* variables before paying for loading tfjs.
 */
import { DynpipeError } from '../errors.js';
import { AUTO_ORDER, type ConcreteBackend } from './auto.js';
import type { WebGpuOptions } from './webgpu.js';

export type BackendName = 'auto' | ConcreteBackend;
export const BACKEND_NAMES: readonly BackendName[] = ['auto', ...AUTO_ORDER];

export interface BackendOptions {
  readonly webgpu?: WebGpuOptions;
}

/** Dawn's native APIs and their aliases, as its `backend=` flag accepts them. */
export const DAWN_BACKENDS: readonly string[] = ['null', 'webgpu', 'd3d11', 'd3d12', 'd3d', 'metal', 'vulkan', 'vk', 'opengl', 'gl', 'opengles', 'gles'];

export function isBackendName(s: string): s is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(s);
}

/** `value` as a backend name, or E_USAGE naming `what` (e.g. '--backend') and the choices. */
export function parseBackendName(value: string, what = '--backend'): BackendName {
  if (!isBackendName(value)) throw new DynpipeError('E_USAGE', `${what}: expected one of ${BACKEND_NAMES.join(', ')}, got '${value}'`);
  return value;
}

/**
 * WebGPU adapter choice from the environment: DYNPIPE_WEBGPU_ADAPTER (text the adapter's device
 * name must contain) and DYNPIPE_WEBGPU_BACKEND (Dawn's native API, e.g. vulkan). Empty = unset.
 */
export function backendOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): BackendOptions {
  const adapter = env.DYNPIPE_WEBGPU_ADAPTER?.trim() || undefined;
  const dawnBackend = env.DYNPIPE_WEBGPU_BACKEND?.trim().toLowerCase() || undefined;
  if (dawnBackend !== undefined && !DAWN_BACKENDS.includes(dawnBackend)) {
    throw new DynpipeError('E_USAGE', `DYNPIPE_WEBGPU_BACKEND: expected one of ${DAWN_BACKENDS.join(', ')}, got '${env.DYNPIPE_WEBGPU_BACKEND}'`);
  }
  return { webgpu: { adapter, dawnBackend } };
}
