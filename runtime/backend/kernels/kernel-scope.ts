/**
 * Composing a kernel out of other kernels of the same backend. A `KernelScope` calls registered
 * kernel functions directly, below the engine: nothing is recorded on a gradient tape and no
 * `Tensor` objects are made, only `TensorInfo`s owned by the scope.
 *
 * Invariant: every `TensorInfo` a scope hands out is freed exactly once, when the scope ends,
 * unless it is the value returned from `withKernelScope` (then the engine owns it). Kernels that
 * alias their input (Reshape, Identity) take a reference of their own, so freeing both is safe.
 */
import { getKernel, type KernelBackend, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';

export class KernelScope {
  private readonly owned: TensorInfo[] = [];

  constructor(
    readonly backendName: string,
    readonly backend: KernelBackend,
  ) {}

  /** Runs the single-output kernel `kernelName` registered for this scope's backend. */
  run<Attrs extends object>(kernelName: string, inputs: NamedTensorInfoMap, attrs: Attrs): TensorInfo {
    const config = getKernel(kernelName, this.backendName);
    if (config === undefined) throw new Error(`kernel '${kernelName}' is not registered for backend '${this.backendName}'`);
    const out = config.kernelFunc({ inputs, backend: this.backend, attrs: attrs as NamedAttrMap });
    if (Array.isArray(out)) throw new Error(`kernel '${kernelName}' returned ${out.length} outputs; expected one`);
    this.owned.push(out);
    return out;
  }

  /** Runs a kernel whose inputs are a list rather than named (Concat, Pack, AddN). */
  runOnList<Attrs extends object>(kernelName: string, inputs: TensorInfo[], attrs: Attrs): TensorInfo {
    // tfjs passes list inputs through the same `inputs` parameter as an array.
    return this.run(kernelName, inputs as unknown as NamedTensorInfoMap, attrs);
  }

  /** Uploads `values` as a new tensor on this backend. */
  upload(values: Float32Array | Int32Array, shape: number[]): TensorInfo {
    const dtype = values instanceof Int32Array ? 'int32' : 'float32';
    const info: TensorInfo = { dataId: this.backend.write(values, shape, dtype), shape, dtype };
    this.owned.push(info);
    return info;
  }

  /** Takes ownership of `info`, made on this scope's backend outside `run` (e.g. by a program of ours). */
  adopt(info: TensorInfo): TensorInfo {
    this.owned.push(info);
    return info;
  }

  /** Hands `info` to the caller: the scope will not free it. */
  release(info: TensorInfo): TensorInfo {
    const i = this.owned.lastIndexOf(info);
    if (i < 0) throw new Error('KernelScope.release: the tensor was not made in this scope');
    this.owned.splice(i, 1);
    return info;
  }

  dispose(): void {
    for (const info of this.owned.splice(0)) this.backend.disposeData(info.dataId);
  }
}

/** Runs `body` in a fresh scope and returns its result; every other intermediate is freed, also on throw. */
export function withKernelScope(backendName: string, backend: unknown, body: (scope: KernelScope) => TensorInfo): TensorInfo {
  const scope = new KernelScope(backendName, backend as KernelBackend);
  try {
    return scope.release(body(scope));
  } finally {
    scope.dispose();
  }
}

/** The named inputs of a kernel call, each checked to be present. */
export function requireInputs<Name extends string>(inputs: NamedTensorInfoMap, kernelName: string, names: readonly Name[]): Record<Name, TensorInfo> {
  const out = {} as Record<Name, TensorInfo>;
  for (const name of names) {
    const info = inputs[name];
    if (info === undefined) throw new Error(`${kernelName}: missing input '${name}'`);
    out[name] = info;
  }
  return out;
}

/** The attributes of a kernel call, typed as the kernel's `...Attrs` interface from tfjs-core. */
export function kernelAttrs<Attrs extends object>(attrs: NamedAttrMap | undefined, kernelName: string): Attrs {
  if (attrs === undefined) throw new Error(`${kernelName}: missing attributes`);
  return attrs as Attrs;
}
