/**
 * Backend names and options as plain data, with no tfjs import, so a CLI can validate
 * `--backend` and the DYNPIPE_WEBGPU_* variables before paying for loading tfjs.
 */
import { DynpipeError } from '../errors.js';
import { AUTO_ORDER, type ConcreteBackend } from './auto.js';
import type { WebGpuOptions } from './webgpu.js';

export type BackendName = 'auto' | ConcreteBackend;
export const BACKEND_NAMES: readonly BackendName[] = ['auto', ...AUTO_ORDER];

/** Which of our webgpu kernels to use: all, none, or those of the named kernels (see register.ts). */
export type WebGpuKernelChoice = 'all' | 'none' | readonly string[];

export interface BackendOptions {
  readonly webgpu?: WebGpuOptions;
  /** Default: DYNPIPE_WEBGPU_OWN_KERNELS of the process environment (`webgpuKernelsFromEnv`). */
  readonly webgpuKernels?: WebGpuKernelChoice;
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
 * DYNPIPE_WEBGPU_OWN_KERNELS: unset, '', '1' or 'all' uses all our webgpu kernels; '0' or 'none'
 * none of them (tfjs's own run, for A/B comparisons); otherwise a comma-separated list of kernel
 * names (e.g. 'Conv2DBackpropFilter,Conv2D') uses only those. Names are checked on registration.
 */
export function webgpuKernelsFromEnv(env: Readonly<Record<string, string | undefined>>): WebGpuKernelChoice {
  const raw = env.DYNPIPE_WEBGPU_OWN_KERNELS?.trim() ?? '';
  if (raw === '' || raw === '1' || raw.toLowerCase() === 'all') return 'all';
  if (raw === '0' || raw.toLowerCase() === 'none') return 'none';
  const names = raw.split(',').map((n) => n.trim());
  const bad = names.find((n) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(n));
  if (bad !== undefined) throw new DynpipeError('E_USAGE', `DYNPIPE_WEBGPU_OWN_KERNELS: expected 0, 1, all, none or kernel names separated by commas, got '${raw}'`);
  return names;
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
  return { webgpu: { adapter, dawnBackend }, webgpuKernels: webgpuKernelsFromEnv(env) };
}
