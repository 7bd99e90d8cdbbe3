/**
 * The wasm backend (XNNPACK kernels compiled to WebAssembly with SIMD).
 *
 * Single-threaded in Node, and not by choice: tfjs-backend-wasm 4.22 reports
 * WASM_HAS_MULTITHREAD_SUPPORT=false whenever IS_NODE (tfjs issue #3830), and forcing the flag
 * fails at start-up because Emscripten spawns its pthread workers from a `blob:` URL, which
 * Node's worker_threads rejects (ERR_WORKER_PATH). So `setThreadsCount` has no effect here;
 * use one worker process per core instead.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Makes wasm the current backend; false when its module cannot be instantiated. */
export async function activateWasm(): Promise<boolean> {
  await import('@tensorflow/tfjs-backend-wasm'); // registers the backend factory
  return tf.setBackend('wasm');
}

/** e.g. "XNNPACK, SIMD, 1 thread"; call after `activateWasm` succeeded. */
export async function wasmDetail(): Promise<string> {
  const { getThreadsCount } = await import('@tensorflow/tfjs-backend-wasm');
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const threads = getThreadsCount();
  return `XNNPACK, ${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'}`;
}
