/**
 * A model is an ordered list of blocks: the unit the planner splits at. Every cut between two
 * blocks is valid, so residual and attention structure lives inside a block. A block is plain
 * data plus a pure `apply`: parameters are explicit tensors (never hidden tfjs Variables), so a
 * stage can stash weight versions, migrate them between ranks, and rebuild any block range from
 * a seed without building the rest of the model.
 *
 * Invariants:
 *  - `outputShape` of block i equals `inputShape` of block i+1 (shapes exclude the batch dim).
 *  - `apply` is deterministic given its inputs and `ctx` (no randomness unless `ctx.seed` is used).
 *  - Parameter names are unique within a block; the global name is `${index}.${block.name}.${param}`.
 */
import type * as tfc from '@tensorflow/tfjs-core';

export type Shape = readonly number[];
export type DType = 'float32' | 'int32';

/** How a parameter is initialised; values come from a seeded generator, so any rank rebuilds them. */
export type Init =
  | { kind: 'zeros' }
  | { kind: 'ones' }
  | { kind: 'normal'; std: number }
  | { kind: 'uniform'; limit: number } // U(-limit, limit)
  | { kind: 'he-normal'; fanIn: number }
  | { kind: 'glorot-uniform'; fanIn: number; fanOut: number };

export interface ParamSpec {
  name: string;
  shape: number[];
  init: Init;
  /** false for buffers (e.g. batch-norm running statistics): moved and checkpointed, not trained. */
  trainable: boolean;
}

/** The kind of work a block does; the predictor counts these as static features of a block range. */
export type BlockKind = 'conv' | 'dense' | 'attention' | 'pool' | 'embedding' | 'norm' | 'residual' | 'head' | 'other';

export interface ApplyContext {
  training: boolean;
}

export interface ApplyResult {
  y: tfc.Tensor;
  /** New values for non-trainable buffers (by param name), produced when `training` is true. */
  bufferUpdates?: Record<string, tfc.Tensor>;
}

export interface Block {
  readonly name: string;
  readonly kind: BlockKind;
  readonly inputShape: Shape;
  readonly inputDtype: DType;
  readonly outputShape: Shape;
  readonly params: readonly ParamSpec[];
  /** Forward FLOPs for one sample (multiply-add = 2 FLOPs). */
  readonly flops: number;
  apply(params: Readonly<Record<string, tfc.Tensor>>, x: tfc.Tensor, ctx: ApplyContext): ApplyResult;
}

export type LossKind = 'softmax-cross-entropy' | 'masked-lm';

export interface ModelSpec {
  readonly name: string;
  /** Arguments the model was built with (after defaults), enough to rebuild it exactly. */
  readonly args: Readonly<Record<string, number | string | boolean>>;
  readonly blocks: readonly Block[];
  readonly inputShape: Shape;
  readonly inputDtype: DType;
  /** Shape of one sample's label: [] for a class index, [seqLen] for masked-LM targets (-1 = ignore). */
  readonly labelShape: Shape;
  readonly loss: LossKind;
  readonly numClasses: number;
}

export function paramCount(spec: ParamSpec): number {
  return spec.shape.reduce((a, b) => a * b, 1);
}

export function blockParamCount(block: Block, trainableOnly = true): number {
  return block.params.filter((p) => p.trainable || !trainableOnly).reduce((s, p) => s + paramCount(p), 0);
}

/** Bytes of one sample's output activation (float32 or int32: 4 bytes per element). */
export function activationBytesPerSample(shape: Shape): number {
  return 4 * shape.reduce((a, b) => a * b, 1);
}
