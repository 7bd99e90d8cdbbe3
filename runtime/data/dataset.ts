/**
 * The dataset contract: plain typed arrays, no tfjs, so every rank reads samples cheaply and the
 * same way on any backend. Inputs are channels-last (NHWC for images) and already normalised by
 * the dataset (each loader documents how); labels are int32, with -1 meaning "ignore this
 * position" (masked-LM targets).
 */
import { DynpipeError } from '../errors.js';

export type Split = 'train' | 'test';
export type InputDtype = 'float32' | 'int32';

/** Samples stacked along a leading batch dimension: x is [n, ...inputShape], y is [n, ...labelShape]. */
export interface Batch {
  x: Float32Array | Int32Array;
  y: Int32Array;
}

export interface Dataset {
  readonly name: string;
  readonly split: Split;
  /** Number of samples; valid indices are 0..size-1. */
  readonly size: number;
  /** Shape of one sample's input, without the batch dimension. */
  readonly inputShape: readonly number[];
  readonly inputDtype: InputDtype;
  /** Shape of one sample's label: [] for a class index, [seqLen] for masked-LM targets. */
  readonly labelShape: readonly number[];
  /** Labels lie in [0, numClasses) (or are -1 = ignore). */
  readonly numClasses: number;
  /** Copies samples `indices` (any order, repeats allowed) into new arrays, in that order. */
  gather(indices: ArrayLike<number>): Batch;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Throws E_DATA naming the dataset when `index` is not a sample of it. */
export function checkSampleIndex(ds: Pick<Dataset, 'name' | 'split' | 'size'>, index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= ds.size) {
    throw new DynpipeError('E_DATA', `${ds.name}/${ds.split}: sample index ${index} is outside [0, ${ds.size})`);
  }
}

/** The first `size` samples of `ds` (for quick runs); E_USAGE when it has fewer. */
export function firstSamples(ds: Dataset, size: number): Dataset {
  if (!Number.isSafeInteger(size) || size <= 0 || size > ds.size) {
    throw new DynpipeError('E_USAGE', `${ds.name}/${ds.split}: size must be an integer in [1, ${ds.size}], got ${size}`);
  }
  if (size === ds.size) return ds;
  const view: Dataset = {
    name: ds.name,
    split: ds.split,
    size,
    inputShape: ds.inputShape,
    inputDtype: ds.inputDtype,
    labelShape: ds.labelShape,
    numClasses: ds.numClasses,
    gather(indices) {
      for (let i = 0; i < indices.length; i++) checkSampleIndex(view, indices[i]);
      return ds.gather(indices);
    },
  };
  return view;
}
