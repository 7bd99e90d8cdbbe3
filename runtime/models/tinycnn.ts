/**
 * tinycnn: conv3x3xC+ReLU, maxpool2, conv3x3x2C+ReLU, maxpool2, dense head (C = `channels`,
 * default 16) — cheap enough to train on Fashion-MNIST in one epoch on a CPU backend.
 * Blocks: conv1, pool1, conv2, pool2, head.
 */
import type { ModelSpec } from './block.js';
import { resolveArgs, type ArgValue } from './args.js';
import { imageArgSpecs } from './image-args.js';
import { convReluBlock, denseBlock, maxPoolBlock } from './basic-blocks.js';

export const TINYCNN_ARGS = {
  ...imageArgSpecs(28, 28, 1, 10),
  channels: { kind: 'int', default: 16, min: 1 },
} as const;

export function buildTinyCnn(given?: Readonly<Record<string, ArgValue>>): ModelSpec {
  const args = resolveArgs('tinycnn', TINYCNN_ARGS, given);
  const inputShape = [args.inputHeight, args.inputWidth, args.inputChannels];
  const conv1 = convReluBlock('conv1', inputShape, args.channels);
  const pool1 = maxPoolBlock('pool1', conv1.outputShape);
  const conv2 = convReluBlock('conv2', pool1.outputShape, 2 * args.channels);
  const pool2 = maxPoolBlock('pool2', conv2.outputShape);
  const head = denseBlock('head', pool2.outputShape, args.numClasses, false);
  return {
    name: 'tinycnn', args, blocks: [conv1, pool1, conv2, pool2, head], inputShape, inputDtype: 'float32',
    labelShape: [], loss: 'softmax-cross-entropy', numClasses: args.numClasses,
  };
}
