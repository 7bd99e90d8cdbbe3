/** A small real model for profile tests: dense + ReLU blocks with working `apply`. */
import * as tf from '@tensorflow/tfjs';
import type { Block, ModelSpec } from '../../runtime/models/block.js';

function dense(name: string, inputs: number, outputs: number): Block {
  return {
    name,
    kind: 'dense',
    inputShape: [inputs],
    inputDtype: 'float32',
    outputShape: [outputs],
    params: [
      { name: 'w', shape: [inputs, outputs], init: { kind: 'glorot-uniform', fanIn: inputs, fanOut: outputs }, trainable: true },
      { name: 'b', shape: [outputs], init: { kind: 'zeros' }, trainable: true },
    ],
    flops: 2 * inputs * outputs,
    apply: (p, x) => ({ y: tf.relu(tf.add(tf.matMul(x as tf.Tensor2D, p.w as tf.Tensor2D), p.b)) }),
  };
}

/** 3 blocks: 64 -> 128 -> 128 -> 10. */
export function denseSpec(): ModelSpec {
  return {
    name: 'dense3',
    args: {},
    blocks: [dense('fc1', 64, 128), dense('fc2', 128, 128), dense('head', 128, 10)],
    inputShape: [64],
    inputDtype: 'float32',
    labelShape: [],
    loss: 'softmax-cross-entropy',
    numClasses: 10,
  };
}
