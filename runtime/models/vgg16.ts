/**
 * vgg16, CIFAR variant: 13 conv3x3 + batch norm + ReLU, 5 max pools, and a 3-layer classifier
 * (512 -> 512 -> 512 -> classes on 32x32 inputs; dropout omitted). One block per layer, as
 * PipeDream profiles per layer: 21 blocks. `width` scales every channel count (tests use 1/32).
 * Pools round odd sizes up, so inputs smaller than 32x32 work (tests use 8x8).
 */
import type { Block, ModelSpec } from './block.js';
import { resolveArgs, type ArgValue } from './args.js';
import { imageArgSpecs, scaled } from './image-args.js';
import { convBnReluBlock, denseBlock, maxPoolBlock } from './basic-blocks.js';

/** Channels per conv layer; 'M' is a 2x2 max pool (configuration "D" of the VGG paper). */
const LAYERS: ReadonlyArray<number | 'M'> = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'];

export const VGG16_ARGS = {
  ...imageArgSpecs(32, 32, 3, 10),
  width: { kind: 'number', default: 1, min: 1 / 64, max: 4 },
} as const;

export function buildVgg16(given?: Readonly<Record<string, ArgValue>>): ModelSpec {
  const args = resolveArgs('vgg16', VGG16_ARGS, given);
  const inputShape = [args.inputHeight, args.inputWidth, args.inputChannels];
  const blocks: Block[] = [];
  let shape: readonly number[] = inputShape;
  let conv = 0;
  let pool = 0;
  for (const layer of LAYERS) {
    const block = layer === 'M' ? maxPoolBlock(`pool${++pool}`, shape) : convBnReluBlock(`conv${++conv}`, shape, scaled(layer, args.width));
    blocks.push(block);
    shape = block.outputShape;
  }
  const hidden = scaled(512, args.width);
  blocks.push(denseBlock('fc1', shape, hidden, true), denseBlock('fc2', [hidden], hidden, true), denseBlock('head', [hidden], args.numClasses, false));
  return {
    name: 'vgg16', args, blocks, inputShape, inputDtype: 'float32', labelShape: [], loss: 'softmax-cross-entropy', numClasses: args.numClasses,
  };
}
