/**
 * gpu interference: a WebGPU (Dawn, npm `webgpu`) compute loop multiplying two n x n float
 * matrices with a raw WGSL shader. Each step submits one multiply and waits for the queue to drain,
 * so the duty cycle controls how long the device is kept busy. Works on any adapter, including
 * Mesa lavapipe (a CPU Vulkan device), where a small `n` keeps a smoke test quick.
 */
import { create, globals } from 'webgpu';
import { DynpipeError } from '../../runtime/errors.js';
import type { Step } from './duty-cycle.js';

const WORKGROUP = 8;

const SHADER = /* wgsl */ `
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> n: u32;

@compute @workgroup_size(${WORKGROUP}, ${WORKGROUP})
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x >= n || id.y >= n) { return; }
  var acc = 0.0;
  for (var k = 0u; k < n; k++) { acc += a[id.y * n + k] * b[k * n + id.x]; }
  c[id.y * n + id.x] = acc;
}`;

export interface GpuLoop {
  step: Step;
  /** The adapter's description (vendor / architecture / device), for logs. */
  adapter: string;
  destroy(): void;
}

/** Opens adapter `device` (index into the adapters Dawn lists; 0 = default) and prepares an n x n multiply. */
export async function gpuLoop(n = 256, device = 0): Promise<GpuLoop> {
  if (!(Number.isInteger(n) && n >= WORKGROUP && n <= 8192)) throw new DynpipeError('E_USAGE', `gpu matrix size must be an integer in [${WORKGROUP}, 8192], got ${n}`);
  if (device !== 0) throw new DynpipeError('E_USAGE', `gpu device ${device}: this WebGPU build exposes only the default adapter (0)`);
  const usage = (globals as { GPUBufferUsage: { STORAGE: number; UNIFORM: number; COPY_DST: number } }).GPUBufferUsage;
  const gpu = create([]);
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new DynpipeError('E_BACKEND', 'gpu interference: no WebGPU adapter available');
  const dev = await adapter.requestDevice();
  const bytes = n * n * 4;
  const buffer = (extra: number): GPUBuffer => dev.createBuffer({ size: bytes, usage: usage.STORAGE | extra });
  const [a, b, c] = [buffer(usage.COPY_DST), buffer(usage.COPY_DST), buffer(0)];
  const ones = new Float32Array(n * n).fill(1);
  dev.queue.writeBuffer(a, 0, ones);
  dev.queue.writeBuffer(b, 0, ones);
  const size = dev.createBuffer({ size: 16, usage: usage.UNIFORM | usage.COPY_DST });
  dev.queue.writeBuffer(size, 0, new Uint32Array([n, 0, 0, 0]));
  const pipeline = dev.createComputePipeline({ layout: 'auto', compute: { module: dev.createShaderModule({ code: SHADER }), entryPoint: 'main' } });
  const bind = dev.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [a, b, c, size].map((buf, binding) => ({ binding, resource: { buffer: buf } })),
  });
  const groups = Math.ceil(n / WORKGROUP);
  const info = adapter.info;
  return {
    adapter: [info.vendor, info.architecture, info.device, info.description].filter((s) => s).join(' / ') || 'unknown adapter',
    step: async () => {
      const enc = dev.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bind);
      pass.dispatchWorkgroups(groups, groups);
      pass.end();
      dev.queue.submit([enc.finish()]);
      await dev.queue.onSubmittedWorkDone();
    },
    destroy: () => {
      dev.destroy();
      // Dawn's node binding frees the instance when `gpu` is collected, crashing a live device:
      // this closure keeps it reachable for as long as the loop is.
      void gpu;
    },
  };
}
