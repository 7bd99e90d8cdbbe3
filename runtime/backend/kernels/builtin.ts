/**
 * The backends' own kernels that ours replaced, kept so that our kernels can hand a case they do
 * not cover (NCHW, int32, a grid past the dispatch limit) back to the built-in, so that the
 * built-in can be put back (DYNPIPE_WEBGPU_OWN_KERNELS=0), and so that benchmarks can compare
 * the two. Filled by register.ts when it replaces a kernel; like tfjs's kernel registry, which it
 * mirrors, it is process-wide.
 */
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';

const replaced = new Map<string, KernelConfig>();

function key(kernelName: string, backendName: string): string {
  return `${backendName}/${kernelName}`;
}

/** Records `config` as the built-in kernel of its key; the first record of a key wins. */
export function rememberBuiltin(config: KernelConfig): void {
  const k = key(config.kernelName, config.backendName);
  if (!replaced.has(k)) replaced.set(k, config);
}

/** The built-in kernel that ours replaced, or undefined when none was replaced. */
export function builtinKernel(kernelName: string, backendName: string): KernelConfig | undefined {
  return replaced.get(key(kernelName, backendName));
}

/** Runs the replaced built-in kernel on the same arguments; throws when there is none. */
export function runBuiltin(kernelName: string, backendName: string, args: Parameters<KernelFunc>[0]): ReturnType<KernelFunc> {
  const config = builtinKernel(kernelName, backendName);
  if (config === undefined) throw new Error(`${kernelName} on ${backendName}: no built-in kernel to fall back to`);
  return config.kernelFunc(args);
}
