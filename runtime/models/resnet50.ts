/**
 * resnet50, CIFAR variant: a 3x3 stem (conv + BN + ReLU, no max pool), 16 bottleneck blocks in
 * stages of [3, 4, 6, 3] (stride 2 on the 3x3 conv of each later stage's first block, as in
 * torchvision's v1.5), global average pool, fc. One block per bottleneck, so every residual lives
 * inside a block: 19 blocks. `width` scales every channel count (tests use 1/16).
 */
import * as tf from '@tensorflow/tfjs';
import type { Block, ModelSpec, Shape } from './block.js';
import { resolveArgs, type ArgValue } from './args.js';
import { imageArgSpecs, scaled } from './image-args.js';
import { convBnReluBlock, denseBlock, globalAvgPoolBlock } from './basic-blocks.js';
import { batchNorm, conv, convFlops, convWeight, elements, mergeUpdates, normParams } from './layers.js';

const STAGES: ReadonlyArray<{ blocks: number; planes: number; stride: number }> = [
  { blocks: 3, planes: 64, stride: 1 },
  { blocks: 4, planes: 128, stride: 2 },
  { blocks: 6, planes: 256, stride: 2 },
  { blocks: 3, planes: 512, stride: 2 },
];
const EXPANSION = 4;

export const RESNET50_ARGS = {
  ...imageArgSpecs(32, 32, 3, 10),
  width: { kind: 'number', default: 1, min: 1 / 64, max: 4 },
} as const;

/**
 * x -> conv1x1 (planes) -> BN -> ReLU -> conv3x3/stride -> BN -> ReLU -> conv1x1 (4 planes) -> BN,
 * plus the shortcut (identity, or conv1x1/stride + BN when the shape changes), then ReLU.
 */
function bottleneckBlock(name: string, [h, w, cin]: Shape, planes: number, stride: number): Block {
  const cout = planes * EXPANSION;
  const project = stride !== 1 || cin !== cout;
  const [oh, ow] = [Math.ceil(h / stride), Math.ceil(w / stride)];
  const inner = [h, w, planes];
  const reduced = [oh, ow, planes];
  const outputShape = [oh, ow, cout];
  const convs = convFlops(inner, 1, cin) + convFlops(reduced, 3, planes) + convFlops(outputShape, 1, planes);
  // BN + ReLU after the first two convs, BN after the third, residual add, final ReLU
  const elementwise = 2 * elements(inner) + 2 * elements(reduced) + 3 * elements(outputShape);
  const shortcut = project ? convFlops(outputShape, 1, cin) + elements(outputShape) : 0;
  return {
    name,
    kind: 'residual',
    inputShape: [h, w, cin],
    inputDtype: 'float32',
    outputShape,
    params: [
      convWeight('conv1_w', 1, cin, planes), ...normParams('bn1', planes, true),
      convWeight('conv2_w', 3, planes, planes), ...normParams('bn2', planes, true),
      convWeight('conv3_w', 1, planes, cout), ...normParams('bn3', cout, true),
      ...(project ? [convWeight('proj_w', 1, cin, cout), ...normParams('proj_bn', cout, true)] : []),
    ],
    flops: convs + elementwise + shortcut,
    apply(p, x, ctx) {
      const t = ctx.training;
      const a = batchNorm(conv(x, p.conv1_w, 1), p, 'bn1', t);
      const b = batchNorm(conv(tf.relu(a.y), p.conv2_w, stride), p, 'bn2', t);
      const c = batchNorm(conv(tf.relu(b.y), p.conv3_w, 1), p, 'bn3', t);
      const s = project ? batchNorm(conv(x, p.proj_w, stride), p, 'proj_bn', t) : { y: x, updates: undefined };
      return { y: tf.relu(tf.add(c.y, s.y)), bufferUpdates: mergeUpdates(a.updates, b.updates, c.updates, s.updates) };
    },
  };
}

export function buildResnet50(given?: Readonly<Record<string, ArgValue>>): ModelSpec {
  const args = resolveArgs('resnet50', RESNET50_ARGS, given);
  const inputShape = [args.inputHeight, args.inputWidth, args.inputChannels];
  const blocks: Block[] = [convBnReluBlock('stem', inputShape, scaled(64, args.width))];
  STAGES.forEach((stage, s) => {
    for (let i = 0; i < stage.blocks; i++) {
      const prev = blocks[blocks.length - 1].outputShape;
      blocks.push(bottleneckBlock(`layer${s + 1}.${i}`, prev, scaled(stage.planes, args.width), i === 0 ? stage.stride : 1));
    }
  });
  const pool = globalAvgPoolBlock('avgpool', blocks[blocks.length - 1].outputShape);
  blocks.push(pool, denseBlock('fc', pool.outputShape, args.numClasses, false));
  return {
    name: 'resnet50', args, blocks, inputShape, inputDtype: 'float32', labelShape: [], loss: 'softmax-cross-entropy', numClasses: args.numClasses,
  };
}
