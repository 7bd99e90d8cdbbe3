/**
 * A correct, slow stand-in for a kernel a backend lacks: the inputs' values are read back
 * synchronously, the cpu backend's kernel runs on them, and its outputs are written to the
 * backend. Meant for kernels off the training hot path. It relies on `readSync`, which works on
 * wasm (tensors live in host memory) but not on webgpu in Node (sync reads need a canvas).
 */
import { engine, getKernel, type KernelBackend, type KernelConfig, type KernelFunc, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';

function moveTo(from: KernelBackend, to: KernelBackend, info: TensorInfo): TensorInfo {
  const values = from.readSync(info.dataId);
  return { dataId: to.write(values, info.shape, info.dtype), shape: info.shape, dtype: info.dtype };
}

/** A `KernelConfig` for (`kernelName`, `backendName`) that delegates to the cpu backend's kernel. */
export function cpuFallback(kernelName: string, backendName: string): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
    const target = backend as KernelBackend;
    const cpu = engine().findBackend('cpu');
    const cpuKernel = getKernel(kernelName, 'cpu');
    if (cpu === null || cpuKernel === undefined) throw new Error(`${kernelName}: the cpu backend is needed as a fallback on ${backendName} but is not registered`);
    const onCpu: TensorInfo[] = [];
    const upload = (info: TensorInfo | undefined): TensorInfo | undefined => {
      if (info === undefined) return undefined;
      const moved = moveTo(target, cpu, info);
      onCpu.push(moved);
      return moved;
    };
    try {
      // List inputs (Concat, AddN) arrive as an array in the same parameter; entries keep their keys.
      const cpuInputs = (Array.isArray(inputs) ? [] : {}) as NamedTensorInfoMap;
      for (const [key, info] of Object.entries(inputs)) cpuInputs[key] = upload(info);
      const out = cpuKernel.kernelFunc({ inputs: cpuInputs, backend: cpu, attrs });
      const outs = Array.isArray(out) ? out : [out];
      onCpu.push(...outs);
      const moved = outs.map((o) => moveTo(cpu, target, o));
      return Array.isArray(out) ? moved : moved[0];
    } finally {
      for (const info of onCpu) cpu.disposeData(info.dataId);
    }
  };
  return { kernelName, backendName, kernelFunc };
}
