import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import type { Block, ModelSpec } from '../../runtime/models/block.js';
import { median, measureProfile } from '../../profile/measure.js';

/** y = x W + b, counting its calls. */
function dense(name: string, inputs: number, units: number, calls: Map<string, number>): Block {
  return {
    name,
    kind: 'dense',
    inputShape: [inputs],
    inputDtype: 'float32',
    outputShape: [units],
    params: [
      { name: 'w', shape: [inputs, units], init: { kind: 'glorot-uniform', fanIn: inputs, fanOut: units }, trainable: true },
      { name: 'b', shape: [units], init: { kind: 'zeros' }, trainable: true },
    ],
    flops: 2 * inputs * units,
    apply(params, x) {
      calls.set(name, (calls.get(name) ?? 0) + 1);
      return { y: tf.add(tf.matMul(x as tf.Tensor2D, params.w as tf.Tensor2D), params.b) };
    },
  };
}

function relu(width: number, calls: Map<string, number>): Block {
  return {
    name: 'relu',
    kind: 'other',
    inputShape: [width],
    inputDtype: 'float32',
    outputShape: [width],
    params: [],
    flops: width,
    apply(_params, x) {
      calls.set('relu', (calls.get('relu') ?? 0) + 1);
      return { y: tf.relu(x) };
    },
  };
}

function tinyModel(calls: Map<string, number>): ModelSpec {
  return {
    name: 'tiny',
    args: { hidden: 3 },
    blocks: [dense('fc1', 4, 3, calls), relu(3, calls), dense('fc2', 3, 2, calls)],
    inputShape: [4],
    inputDtype: 'float32',
    labelShape: [],
    loss: 'softmax-cross-entropy',
    numClasses: 2,
  };
}

/** A clock whose k-th timed interval lasts durations[k] ms (calls alternate start, end). */
function scriptedClock(durations: readonly number[]): () => number {
  let now = 0;
  let k = 0;
  let started = false;
  return () => {
    if (started) now += durations[k++];
    started = !started;
    return now;
  };
}

describe('measureProfile', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('takes medians, derives backward = both - forward, and records sizes', async () => {
    // Per block k (k = 0, 1, 2), 3 timed runs each of forward then forward+backward:
    //   forward [2k+1, 50, 2k+3] -> median 2k+3;  both [4k+10, 4k+8, 1000] -> median 4k+10
    //   so forward_ms = 3, 5, 7 and backward_ms = (4k+10) - (2k+3) = 7, 9, 11.
    const durations = [0, 1, 2].flatMap((k) => [2 * k + 1, 50, 2 * k + 3, 4 * k + 10, 4 * k + 8, 1000]);
    const calls = new Map<string, number>();
    const progress: string[] = [];
    const tensorsBefore = tf.memory().numTensors;
    const profile = await measureProfile(tinyModel(calls), {
      batch: 5,
      warmup: 1,
      repeats: 3,
      backend: 'cpu',
      device: 'test',
      date: '2024-05-01T00:00:00.000Z',
      clock: scriptedClock(durations),
      onProgress: (done, total, block) => progress.push(`${done}/${total} ${block}`),
    });
    assert.equal(tf.memory().numTensors, tensorsBefore, 'no tensor outlives the measurement');
    assert.deepEqual(progress, ['1/3 fc1', '2/3 relu', '3/3 fc2']);
    // (1 warm-up + 3 timed) forward runs and as many forward+backward runs per block.
    assert.deepEqual([...calls.entries()], [['fc1', 8], ['relu', 8], ['fc2', 8]]);
    assert.deepEqual(
      profile.blocks.map((b) => [b.name, b.kind, b.forward_ms, b.backward_ms]),
      [['fc1', 'dense', 3, 7], ['relu', 'other', 5, 9], ['fc2', 'dense', 7, 11]],
    );
    // Output activations of a batch of 5 float32s; parameters 4*(inputs*units + units).
    assert.deepEqual(profile.blocks.map((b) => b.activation_bytes), [5 * 3 * 4, 5 * 3 * 4, 5 * 2 * 4]);
    assert.deepEqual(profile.blocks.map((b) => b.param_bytes), [4 * (4 * 3 + 3), 0, 4 * (3 * 2 + 2)]);
    assert.deepEqual(profile.blocks.map((b) => b.flops), [5 * 24, 5 * 3, 5 * 12]);
    assert.deepEqual(profile.model, { name: 'tiny', args: { hidden: 3 } });
    assert.equal(profile.source, 'measured');
    assert.equal(profile.batch_size, 5);
  });

  it('floors backward at 0 when noise makes forward+backward look faster', async () => {
    const durations = [0, 1, 2].flatMap(() => [10, 10, 10, 4, 4, 4]);
    const profile = await measureProfile(tinyModel(new Map()), { batch: 2, warmup: 0, repeats: 3, backend: 'cpu', device: 'test', clock: scriptedClock(durations) });
    assert.deepEqual(profile.blocks.map((b) => b.backward_ms), [0, 0, 0]);
  });

  it('times real work with the default clock', async () => {
    const profile = await measureProfile(tinyModel(new Map()), { batch: 4, warmup: 0, repeats: 1, backend: 'cpu', device: 'test' });
    assert.ok(profile.blocks.every((b) => Number.isFinite(b.forward_ms) && b.forward_ms >= 0 && b.backward_ms >= 0));
  });

  it('takes the median of an even count as the mean of the middle two', () => {
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([7]), 7);
  });
});
