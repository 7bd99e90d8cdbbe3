/** mlp: flatten + `layers` hidden dense+ReLU blocks + a dense head. Blocks: fc1..fcL, head. */
import type { Block, ModelSpec } from './block.js';
import { resolveArgs, type ArgValue } from './args.js';
import { imageArgSpecs } from './image-args.js';
import { denseBlock } from './basic-blocks.js';

export const MLP_ARGS = {
  ...imageArgSpecs(28, 28, 1, 10),
  hidden: { kind: 'int', default: 128, min: 1 },
  layers: { kind: 'int', default: 2, min: 0 },
} as const;

export function buildMlp(given?: Readonly<Record<string, ArgValue>>): ModelSpec {
  const args = resolveArgs('mlp', MLP_ARGS, given);
  const inputShape = [args.inputHeight, args.inputWidth, args.inputChannels];
  const blocks: Block[] = [];
  let shape: number[] = inputShape;
  for (let i = 0; i < args.layers; i++) {
    blocks.push(denseBlock(`fc${i + 1}`, shape, args.hidden, true));
    shape = [args.hidden];
  }
  blocks.push(denseBlock('head', shape, args.numClasses, false));
  return {
    name: 'mlp', args, blocks, inputShape, inputDtype: 'float32', labelShape: [], loss: 'softmax-cross-entropy', numClasses: args.numClasses,
  };
}
