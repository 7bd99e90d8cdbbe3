/**
 * Optimizers with explicit, exportable state, keyed by parameter key (models/params.ts), so a
 * block's optimizer state migrates with the block.
 *
 * Semantics follow PyTorch (weight decay as L2 added to the gradient):
 *  - sgd:      w -= lr * (g + wd * w)
 *  - momentum: v = mu * v + (g + wd * w);  w -= lr * v            (state [v]; v starts at 0)
 *  - adam:     g' = g + wd * w;  m = b1 m + (1 - b1) g';  v = b2 v + (1 - b2) g'^2;  t += 1
 *              w -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)   (state [m, v, t])
 * Adam keeps its step count t per parameter (a scalar tensor) so bias correction migrates too.
 *
 * Ownership: `step` returns NEW parameter tensors and never disposes the old ones (stashed
 * forwards may still need them); it owns and disposes its previous state tensors. Parameters are
 * updated in the order of `grads`' keys, each with a fixed op sequence, so results are
 * deterministic.
 */
import * as tf from '@tensorflow/tfjs';
import { DynpipeError, check } from '../errors.js';
import type { StageParams } from '../models/params.js';

export type OptimizerKind = 'sgd' | 'momentum' | 'adam';

export interface OptimizerConfig {
  optimizer: OptimizerKind;
  lr: number;
  /** momentum: mu. Ignored by sgd and adam. */
  momentum?: number;
  weight_decay?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** Optimizer state by param key: [] (sgd), [v] (momentum), [m, v, t] (adam). */
export type OptimizerState = Map<string, tf.Tensor[]>;

export class Optimizer {
  readonly kind: OptimizerKind;
  readonly lr: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private state: OptimizerState = new Map();
  private steps = 0;

  constructor(cfg: OptimizerConfig) {
    this.kind = cfg.optimizer;
    this.lr = cfg.lr;
    this.momentum = cfg.momentum ?? 0.9;
    this.weightDecay = cfg.weight_decay ?? 0;
    this.beta1 = cfg.beta1 ?? 0.9;
    this.beta2 = cfg.beta2 ?? 0.999;
    this.epsilon = cfg.epsilon ?? 1e-8;
    const bad = (field: string, value: unknown, want: string) => new DynpipeError('E_USAGE', `optimizer ${field} must be ${want}, got ${value}`);
    if (!['sgd', 'momentum', 'adam'].includes(this.kind)) throw bad('kind', this.kind, 'sgd|momentum|adam');
    if (!(this.lr > 0 && Number.isFinite(this.lr))) throw bad('lr', this.lr, '> 0');
    if (!(this.momentum >= 0 && this.momentum <= 1)) throw bad('momentum', this.momentum, 'in [0, 1]');
    if (!(this.weightDecay >= 0 && Number.isFinite(this.weightDecay))) throw bad('weight_decay', this.weightDecay, '>= 0');
    if (!(this.beta1 >= 0 && this.beta1 < 1)) throw bad('beta1', this.beta1, 'in [0, 1)');
    if (!(this.beta2 >= 0 && this.beta2 < 1)) throw bad('beta2', this.beta2, 'in [0, 1)');
    if (!(this.epsilon > 0)) throw bad('epsilon', this.epsilon, '> 0');
  }

  /** Number of `step` calls on this optimizer. */
  get stepCount(): number {
    return this.steps;
  }

  /** New tensors for every key of `grads` (the caller owns them and the old ones). */
  step(params: StageParams, grads: StageParams): StageParams {
    const out: StageParams = new Map();
    for (const [key, g] of grads) {
      const w = params.get(key);
      if (w === undefined) throw new DynpipeError('E_MODEL', `gradient for '${key}' has no parameter`);
      check(tf.util.arraysEqual(w.shape, g.shape), 'E_MODEL', () => `gradient for '${key}' has shape [${g.shape}], parameter has [${w.shape}]`);
      const old = this.state.get(key);
      const { next, state } = tf.tidy(() => this.update(w, g, old));
      for (const t of old ?? []) t.dispose();
      this.state.set(key, state);
      out.set(key, next);
    }
    this.steps++;
    return out;
  }

  /** Copies of the state (the caller owns them), e.g. to migrate or checkpoint blocks. */
  exportState(keys?: Iterable<string>): OptimizerState {
    const out: OptimizerState = new Map();
    for (const key of keys ?? this.state.keys()) {
      const s = this.state.get(key);
      if (s !== undefined) out.set(key, s.map((t) => t.clone()));
    }
    return out;
  }

  /** Installs copies of `state` (replacing any held for those keys); checks the slot count. */
  importState(state: OptimizerState): void {
    const slots = this.kind === 'sgd' ? 0 : this.kind === 'momentum' ? 1 : 3;
    for (const [key, tensors] of state) {
      check(tensors.length === slots, 'E_CHECKPOINT', () => `optimizer state for '${key}' has ${tensors.length} tensors, ${this.kind} keeps ${slots}`);
      for (const t of this.state.get(key) ?? []) t.dispose();
      this.state.set(key, tensors.map((t) => t.clone()));
    }
  }

  /** Drops (and disposes) the state of `keys`, e.g. after their blocks migrated away. */
  dropState(keys: Iterable<string>): void {
    for (const key of keys) {
      for (const t of this.state.get(key) ?? []) t.dispose();
      this.state.delete(key);
    }
  }

  dispose(): void {
    this.dropState([...this.state.keys()]);
  }

  private update(w: tf.Tensor, g: tf.Tensor, old: tf.Tensor[] | undefined): { next: tf.Tensor; state: tf.Tensor[] } {
    const grad = this.weightDecay > 0 ? tf.add(g, tf.mul(w, this.weightDecay)) : g;
    switch (this.kind) {
      case 'sgd':
        return { next: tf.sub(w, tf.mul(grad, this.lr)), state: [] };
      case 'momentum': {
        const v = old === undefined ? grad.clone() : tf.add(tf.mul(old[0], this.momentum), grad);
        return { next: tf.sub(w, tf.mul(v, this.lr)), state: [v] };
      }
      case 'adam': {
        const [m0, v0, t0] = old ?? [tf.zerosLike(w), tf.zerosLike(w), tf.scalar(0)];
        const m = tf.add(tf.mul(m0, this.beta1), tf.mul(grad, 1 - this.beta1));
        const v = tf.add(tf.mul(v0, this.beta2), tf.mul(tf.square(grad), 1 - this.beta2));
        const t = tf.add(t0, 1);
        const mHat = tf.div(m, tf.sub(1, tf.pow(this.beta1, t)));
        const vHat = tf.div(v, tf.sub(1, tf.pow(this.beta2, t)));
        const next = tf.sub(w, tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), this.epsilon)), this.lr));
        return { next, state: [m, v, t] };
      }
    }
  }
}

export function createOptimizer(cfg: OptimizerConfig): Optimizer {
  return new Optimizer(cfg);
}
