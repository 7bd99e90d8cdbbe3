/**
 * StageModule: what one pipeline rank executes — blocks [a, b) of a model, with forward and
 * backward split in time so a 1F1B schedule can interleave micro-batches.
 *
 * Weight stashing invariant: `forward` records, on a private tape, clones of exactly the tensors
 * its backward will need, including the parameter tensors it was given; `backward(pending, dy)`
 * differentiates that recording. So the gradient of micro-batch i is always taken w.r.t. the
 * weights its forward saw, whatever the optimizer did in between. Callers must still keep the
 * parameter tensors a forward used alive until its backward ran (the stash, not this module,
 * decides when a weight version can go); disposing them earlier is not supported.
 *
 * Ownership: the caller owns `x`, `dy`, `params`, and everything returned (`y`, `logits`,
 * `bufferUpdates`, `dx`, `grads`). A `PendingBackward` owns the recording; `backward` consumes it
 * exactly once, `dispose()` drops it unused. Buffer updates (batch-norm running statistics) are
 * returned by forward for the caller to install; they never affect gradients.
 *
 * The backward does not recompute the forward (see ./tape.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { Block, DType, ModelSpec, Shape } from './block.js';
import { DynpipeError, check } from '../errors.js';
import { checkBlockRange, paramKey, type StageParams } from './params.js';
import { lossFunction } from './loss.js';
import { recordTape, type Tape, type TensorRef } from './tape.js';

export interface PendingBackward {
  /** Frees the recording without running backward (e.g. a micro-batch that was abandoned). */
  dispose(): void;
}

export interface ForwardResult {
  y: tf.Tensor;
  pending: PendingBackward;
  /** New values for non-trainable buffers, by param key; empty unless training. */
  bufferUpdates: StageParams;
}

export interface LossResult {
  /** The mean loss (caller owns it; read it with `await loss.data()`: webgpu in Node has no sync reads). */
  loss: tf.Scalar;
  logits: tf.Tensor;
  pending: PendingBackward;
  bufferUpdates: StageParams;
}

export interface BackwardResult {
  /** d loss / d x; null on the first stage and when the stage input is int32 tokens. */
  dx: tf.Tensor | null;
  /** d loss / d w for every trainable parameter of the stage (zeros where w does not reach y). */
  grads: StageParams;
}

class Recording implements PendingBackward {
  constructor(
    readonly stage: StageModule,
    readonly tape: Tape,
    readonly y: TensorRef,
    readonly isLoss: boolean,
    readonly x: TensorRef | null,
    readonly params: ReadonlyArray<readonly [string, tf.Tensor]>,
  ) {}

  dispose(): void {
    this.tape.dispose();
  }
}

export class StageModule {
  readonly start: number;
  readonly end: number;
  readonly blocks: readonly Block[];
  readonly inputShape: Shape;
  readonly inputDtype: DType;
  readonly outputShape: Shape;
  /** Keys of the trainable parameters, in block then declaration order (the order of `grads`). */
  readonly trainableKeys: readonly string[];

  constructor(readonly model: ModelSpec, range: readonly [number, number]) {
    checkBlockRange(model, range);
    [this.start, this.end] = range;
    this.blocks = model.blocks.slice(this.start, this.end);
    this.inputShape = this.blocks[0].inputShape;
    this.inputDtype = this.blocks[0].inputDtype;
    this.outputShape = this.blocks[this.blocks.length - 1].outputShape;
    this.trainableKeys = this.blocks.flatMap((b, j) => b.params.filter((p) => p.trainable).map((p) => paramKey(this.start + j, p.name)));
  }

  get isFirst(): boolean {
    return this.start === 0;
  }

  get isLast(): boolean {
    return this.end === this.model.blocks.length;
  }

  /** Whether backward returns d loss / d x (not on stage 0, not for int32 token inputs). */
  get producesInputGradient(): boolean {
    return !this.isFirst && this.inputDtype === 'float32';
  }

  forward(params: StageParams, x: tf.Tensor, opts: { training: boolean }): ForwardResult {
    this.checkInput(x);
    const { result, tape } = recordTape(() => this.run(params, x, opts.training));
    const { y, updates } = result;
    return { y, pending: this.recording(tape, y, false, x, params), bufferUpdates: new Map(Object.entries(updates)) };
  }

  /** Last stage only: forward through the blocks and the model's loss; backward takes dy = null. */
  forwardLoss(params: StageParams, x: tf.Tensor, labels: tf.Tensor, opts: { training: boolean } = { training: true }): LossResult {
    check(this.isLast, 'E_MODEL', () => `forwardLoss on stage [${this.start}, ${this.end}) of ${this.model.name}, which is not the last stage`);
    this.checkInput(x);
    check(tf.util.arraysEqual(labels.shape, [x.shape[0], ...this.model.labelShape]), 'E_MODEL',
      () => `labels have shape [${labels.shape}], expected [${[x.shape[0], ...this.model.labelShape]}]`);
    const lossOf = lossFunction(this.model.loss);
    const { result, tape } = recordTape(() => {
      const { y, updates } = this.run(params, x, opts.training);
      return { loss: lossOf(y, labels), logits: y, updates };
    });
    const pending = this.recording(tape, result.loss, true, x, params);
    return { loss: result.loss, logits: result.logits, pending, bufferUpdates: new Map(Object.entries(result.updates)) };
  }

  /** Inference: no recording, batch norm on running statistics. */
  predict(params: StageParams, x: tf.Tensor): tf.Tensor {
    this.checkInput(x);
    return tf.tidy(() => this.run(params, x, false).y);
  }

  /** Differentiates a recording of this stage; `dy` is d loss / d y, or null after `forwardLoss`. */
  backward(pending: PendingBackward, dy: tf.Tensor | null): BackwardResult {
    if (!(pending instanceof Recording) || pending.stage !== this) throw new Error('pending backward belongs to another stage');
    if (pending.isLoss !== (dy === null)) {
      throw new Error(pending.isLoss ? 'backward after forwardLoss takes dy = null' : 'backward after forward needs dy');
    }
    if (dy !== null && !tf.util.arraysEqual(dy.shape, [...pending.y.shape])) {
      throw new DynpipeError('E_MODEL', `dy has shape [${dy.shape}], stage output has [${pending.y.shape}]`);
    }
    const xs: TensorRef[] = pending.params.map(([, t]) => t);
    if (pending.x !== null) xs.push(pending.x);
    const seed = dy ?? tf.ones([...pending.y.shape]);
    try {
      const g = pending.tape.backprop(pending.y, xs, seed);
      const grads: StageParams = new Map();
      pending.params.forEach(([key, t], i) => grads.set(key, g[i] ?? tf.zeros([...t.shape])));
      const dx = pending.x === null ? null : g[xs.length - 1] ?? tf.zeros([...pending.x.shape]);
      return { dx, grads };
    } finally {
      if (dy === null) seed.dispose();
    }
  }

  private recording(tape: Tape, y: tf.Tensor, isLoss: boolean, x: tf.Tensor, params: StageParams): Recording {
    const used = this.trainableKeys.map((key) => [key, params.get(key) as tf.Tensor] as const);
    const xRef = this.producesInputGradient ? { id: x.id, shape: x.shape } : null;
    return new Recording(this, tape, { id: y.id, shape: y.shape }, isLoss, xRef, used);
  }

  /** Runs the blocks; updates are a plain record (not a Map) so `tf.tidy` keeps their tensors. */
  private run(params: StageParams, x: tf.Tensor, training: boolean): { y: tf.Tensor; updates: Record<string, tf.Tensor> } {
    let h = x;
    const updates: Record<string, tf.Tensor> = {};
    this.blocks.forEach((block, j) => {
      const r = block.apply(this.blockParams(params, this.start + j), h, { training });
      h = r.y;
      for (const [name, t] of Object.entries(r.bufferUpdates ?? {})) updates[paramKey(this.start + j, name)] = t;
    });
    return { y: h, updates };
  }

  private blockParams(params: StageParams, index: number): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    for (const spec of this.model.blocks[index].params) {
      const key = paramKey(index, spec.name);
      const t = params.get(key);
      if (t === undefined) throw new DynpipeError('E_MODEL', `stage [${this.start}, ${this.end}) of ${this.model.name}: missing parameter '${key}'`);
      if (!tf.util.arraysEqual(t.shape, spec.shape)) {
        throw new DynpipeError('E_MODEL', `parameter '${key}' of ${this.model.name} has shape [${t.shape}], expected [${spec.shape}]`);
      }
      out[spec.name] = t;
    }
    return out;
  }

  private checkInput(x: tf.Tensor): void {
    const expected = [x.shape[0], ...this.inputShape];
    check(x.dtype === this.inputDtype && tf.util.arraysEqual(x.shape, expected), 'E_MODEL',
      () => `stage [${this.start}, ${this.end}) of ${this.model.name} takes ${this.inputDtype} [N, ${this.inputShape}], got ${x.dtype} [${x.shape}]`);
  }
}
