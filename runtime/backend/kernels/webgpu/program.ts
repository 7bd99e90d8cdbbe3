/**
 * The part of tfjs-backend-webgpu's program interface our kernels use, typed here because the
 * package does not export `WebGPUProgram` from its entry point.
 *
 * A program is run by `backend.runWebGPUProgram(program, inputs, dtype)`: tfjs assembles a shader
 * from a prelude it writes (bindings `result` at 0 and one storage array per name in
 * `variableNames`, a `uniforms` struct of shapes, private copies `localId`, `localIndex`,
 * `workgroupId`, `numWorkgroups`, helper functions) followed by `getUserCode()`, which must define
 * `fn main()` when `dispatchLayout` has a y or z axis, else `fn main(index: i32)` (called once per
 * invocation with a flat global index). Pipelines are cached by `shaderKey` plus the inputs' ranks
 * and dtypes, so the key must name every constant the user code bakes in.
 */
import type { DataType, KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';

export interface WebGpuProgram {
  /** Cache key: must change whenever getUserCode's text would. */
  shaderKey: string;
  outputShape: number[];
  /** Storage arrays bound after `result`, one per input, in input order. */
  variableNames: string[];
  /** Per input: 1 binds array<f32>, 4 binds array<vec4<f32>> (the tensor's size must be a multiple of 4). */
  variableComponents?: number[];
  /** 1 binds `result` as array<f32>, 4 as array<vec4<f32>>. */
  outputComponent?: number;
  workgroupSize: [number, number, number];
  /** Which output axes each dispatch axis covers; tfjs only checks whether y or z is present. */
  dispatchLayout: { x: number[]; y?: number[]; z?: number[] };
  dispatch: [number, number, number];
  getUserCode: () => string;
}

/** tfjs's WebGPUBackend, as far as our kernels call it. */
export interface WebGpuRunner extends KernelBackend {
  runWebGPUProgram(program: WebGpuProgram, inputs: TensorInfo[], outputDtype: DataType): TensorInfo;
}

export function asWebGpuRunner(backend: unknown, kernelName: string): WebGpuRunner {
  const candidate = backend as Partial<WebGpuRunner> | null;
  if (candidate === null || typeof candidate.runWebGPUProgram !== 'function') throw new Error(`${kernelName}: expected tfjs's webgpu backend`);
  return candidate as WebGpuRunner;
}
