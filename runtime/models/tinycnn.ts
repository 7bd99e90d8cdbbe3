/**
 * tinycnn: conv3x3x16+ReLU, maxpool2, conv3x3x32+ReLU, maxpool2, dense head — cheap enough to
 * train on Fashion-MNIST in one epoch on a CPU backend. Blocks: conv1, pool1, conv2, pool2, head.
 */
import * as tf from '@tensorflow/tfjs';
import type { Block, ModelSpec } from './block.js';
import { resolveArgs, type ArgValue } from './args.js';
import { imageArgSpecs } from './image-args.js';
import { bias, conv, convFlops, convWeight, dense, denseWeight, elements, maxPool2 } from './layers.js';
import { check } from '../errors.js';

export const TINYCNN_ARGS = {
  ...imageArgSpecs(28, 28, 1, 10),
  channels: { kind: 'int', default: 16, min: 1 },
} as const;

/** 3x3 same-padding convolution + bias + ReLU. */
export function convReluBlock(name: string, [h, w, cin]: readonly number[], cout: number): Block {
  const outputShape = [h, w, cout];
  return {
    name,
    kind: 'conv',
    inputShape: [h, w, cin],
    inputDtype: 'float32',
    outputShape,
    params: [convWeight('w', 3, cin, cout), bias('b', cout)],
    flops: convFlops(outputShape, 3, cin) + 2 * elements(outputShape),
    apply(p, x) {
      return { y: tf.relu(tf.add(conv(x, p.w, 1), p.b)) };
    },
  };
}

/** 2x2 max pool, stride 2 (floors odd sizes). */
export function maxPoolBlock(name: string, [h, w, c]: readonly number[]): Block {
  const outputShape = [Math.floor(h / 2), Math.floor(w / 2), c];
  return {
    name, kind: 'pool', inputShape: [h, w, c], inputDtype: 'float32', outputShape, params: [],
    flops: 4 * elements(outputShape),
    apply(_p, x) {
      return { y: maxPool2(x) };
    },
  };
}

/** Flatten + dense to logits. */
export function denseHeadBlock(name: string, inputShape: readonly number[], classes: number): Block {
  const fanIn = elements(inputShape);
  return {
    name, kind: 'head', inputShape, inputDtype: 'float32', outputShape: [classes],
    params: [denseWeight('w', fanIn, classes), bias('b', classes)],
    flops: 2 * fanIn * classes + classes,
    apply(p, x) {
      return { y: dense(tf.reshape(x, [-1, fanIn]), p.w, p.b) };
    },
  };
}

export function buildTinyCnn(given?: Readonly<Record<string, ArgValue>>): ModelSpec {
  const args = resolveArgs('tinycnn', TINYCNN_ARGS, given);
  check(args.inputHeight >= 4 && args.inputWidth >= 4, 'E_MODEL',
    () => `model tinycnn: input must be at least 4x4 (two 2x2 pools), got ${args.inputHeight}x${args.inputWidth}`);
  const inputShape = [args.inputHeight, args.inputWidth, args.inputChannels];
  const conv1 = convReluBlock('conv1', inputShape, args.channels);
  const pool1 = maxPoolBlock('pool1', conv1.outputShape);
  const conv2 = convReluBlock('conv2', pool1.outputShape, 2 * args.channels);
  const pool2 = maxPoolBlock('pool2', conv2.outputShape);
  const head = denseHeadBlock('head', pool2.outputShape, args.numClasses);
  return {
    name: 'tinycnn', args, blocks: [conv1, pool1, conv2, pool2, head], inputShape, inputDtype: 'float32',
    labelShape: [], loss: 'softmax-cross-entropy', numClasses: args.numClasses,
  };
}
