/**
 * MaxPoolGrad for wasm, replacing the built-in. tfjs-backend-wasm 4.22 starts each window's
 * running maximum at FLT_MIN (the smallest positive float) rather than -infinity, so a window
 * whose values are all <= 0 (negative inputs, or dead ReLU outputs) sends its gradient to the
 * wrong element; among tied maxima it also keeps the last where cpu and TensorFlow keep the first.
 *
 * Here: dx[argmax of each window] += dy, the argmax being the first maximum in row-major window
 * order, padding excluded. The work is one pass over x and dy (memory-bound, no multiply-adds),
 * so a typed-array loop over copies of the wasm buffers costs about as much as the copies.
 */
import { MaxPoolGrad, backend_util, type KernelBackend, type KernelConfig, type KernelFunc, type MaxPoolGradAttrs } from '@tensorflow/tfjs-core';
import { kernelAttrs, requireInputs } from '../kernel-scope.js';

type Shape4 = [number, number, number, number];

/** dx for x [n, h, w, c] and dy [n, oh, ow, c] under the pooling geometry `info`. */
export function maxPoolBackprop(x: Float32Array, dy: Float32Array, info: backend_util.Conv2DInfo): Float32Array {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const { top, left } = info.padInfo;
  const dx = new Float32Array(x.length);
  let o = 0; // index into dy, which the loops below walk in its own (n, oh, ow, c) order
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      const r0 = i * sh - top;
      const rLo = Math.max(r0, 0);
      const rHi = Math.min(r0 + kh, h);
      for (let j = 0; j < ow; j++) {
        const c0 = j * sw - left;
        const cLo = Math.max(c0, 0);
        const cHi = Math.min(c0 + kw, w);
        for (let d = 0; d < c; d++, o++) {
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          for (let r = rLo; r < rHi; r++) {
            for (let col = cLo; col < cHi; col++) {
              const k = ((b * h + r) * w + col) * c + d;
              if (x[k] > best) {
                best = x[k];
                at = k;
              }
            }
          }
          if (at >= 0) dx[at] += dy[o];
        }
      }
    }
  }
  return dx;
}

const maxPoolGrad: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, input } = requireInputs(inputs, MaxPoolGrad, ['dy', 'input'] as const);
  const { filterSize, strides, pad, dimRoundingMode } = kernelAttrs<MaxPoolGradAttrs>(attrs, MaxPoolGrad);
  const info = backend_util.computePool2DInfo(input.shape as Shape4, filterSize, strides, 1, pad, dimRoundingMode);
  const b = backend as KernelBackend;
  const dx = maxPoolBackprop(b.readSync(input.dataId) as Float32Array, b.readSync(dy.dataId) as Float32Array, info);
  return { dataId: b.write(dx, input.shape, 'float32'), shape: input.shape, dtype: 'float32' };
};

export const maxPoolGradConfig: KernelConfig = {
  kernelName: MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGrad,
};
