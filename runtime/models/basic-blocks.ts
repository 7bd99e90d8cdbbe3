/** Block factories shared by the image models: convolutions, pooling and dense layers. */
import * as tf from '@tensorflow/tfjs';
import type { Block, Shape } from './block.js';
import { batchNorm, bias, conv, convFlops, convWeight, dense, denseWeight, elements, maxPool2, normParams } from './layers.js';

/** k x k same-padding convolution with bias, then ReLU. */
export function convReluBlock(name: string, [h, w, cin]: Shape, cout: number, k = 3): Block {
  const outputShape = [h, w, cout];
  return {
    name,
    kind: 'conv',
    inputShape: [h, w, cin],
    inputDtype: 'float32',
    outputShape,
    params: [convWeight('w', k, cin, cout), bias('b', cout)],
    flops: convFlops(outputShape, k, cin) + 2 * elements(outputShape),
    apply(p, x) {
      return { y: tf.relu(tf.add(conv(x, p.w, 1), p.b)) };
    },
  };
}

/** 3x3 same-padding convolution (no bias), batch norm, ReLU. Buffers: bn_mean, bn_var. */
export function convBnReluBlock(name: string, [h, w, cin]: Shape, cout: number): Block {
  const outputShape = [h, w, cout];
  return {
    name,
    kind: 'conv',
    inputShape: [h, w, cin],
    inputDtype: 'float32',
    outputShape,
    params: [convWeight('w', 3, cin, cout), ...normParams('bn', cout, true)],
    flops: convFlops(outputShape, 3, cin) + 2 * elements(outputShape),
    apply(p, x, ctx) {
      const bn = batchNorm(conv(x, p.w, 1), p, 'bn', ctx.training);
      return { y: tf.relu(bn.y), bufferUpdates: bn.updates };
    },
  };
}

/** 2x2 max pool, stride 2, 'same' padding: odd sizes round up, so a 1x1 map stays 1x1. */
export function maxPoolBlock(name: string, [h, w, c]: Shape): Block {
  const outputShape = [Math.ceil(h / 2), Math.ceil(w / 2), c];
  return {
    name,
    kind: 'pool',
    inputShape: [h, w, c],
    inputDtype: 'float32',
    outputShape,
    params: [],
    flops: 4 * elements(outputShape),
    apply(_p, x) {
      return { y: maxPool2(x) };
    },
  };
}

/** Mean over height and width: [h, w, c] -> [c]. */
export function globalAvgPoolBlock(name: string, [h, w, c]: Shape): Block {
  return {
    name,
    kind: 'pool',
    inputShape: [h, w, c],
    inputDtype: 'float32',
    outputShape: [c],
    params: [],
    flops: h * w * c,
    apply(_p, x) {
      return { y: tf.mean(x, [1, 2]) };
    },
  };
}

/**
 * Flatten + dense (+ bias). Hidden layers (`relu`) have kind 'dense'; the last layer producing
 * logits has kind 'head'.
 */
export function denseBlock(name: string, inputShape: Shape, fanOut: number, relu: boolean): Block {
  const fanIn = elements(inputShape);
  return {
    name,
    kind: relu ? 'dense' : 'head',
    inputShape,
    inputDtype: 'float32',
    outputShape: [fanOut],
    params: [denseWeight('w', fanIn, fanOut), bias('b', fanOut)],
    flops: 2 * fanIn * fanOut + fanOut * (relu ? 2 : 1),
    apply(p, x) {
      const y = dense(tf.reshape(x, [-1, fanIn]), p.w, p.b);
      return { y: relu ? tf.relu(y) : y };
    },
  };
}
