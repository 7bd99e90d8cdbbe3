/** Turns a dataset minibatch (typed arrays) into tensors on the current backend. */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset.js';

export interface BatchTensors {
  x: tf.Tensor;
  y: tf.Tensor;
}

export function inputTensor(ds: Dataset, x: Float32Array | Int32Array, n: number): tf.Tensor {
  return tf.tensor(x, [n, ...ds.inputShape], ds.inputDtype);
}

export function labelTensor(ds: Dataset, y: Int32Array, n: number): tf.Tensor {
  return tf.tensor(y, [n, ...ds.labelShape], 'int32');
}

export function batchTensors(ds: Dataset, indices: ArrayLike<number>): BatchTensors {
  const { x, y } = ds.gather(indices);
  return { x: inputTensor(ds, x, indices.length), y: labelTensor(ds, y, indices.length) };
}
