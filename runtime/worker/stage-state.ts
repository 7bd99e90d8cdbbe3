/**
 * The tensor state of one pipeline stage: live weights, the weight versions still needed by
 * in-flight microbatches (weight stashing), the recordings between forward and backward, the
 * accumulated gradients and the optimizer. No sockets and no clock: the executor drives it.
 *
 * Invariants:
 *  - `versions` maps a weight version to its parameter map. The current version is always there;
 *    an older version stays exactly as long as some forwarded-but-not-backwarded microbatch used it,
 *    so the backward of microbatch m differentiates the very tensors its forward saw.
 *  - A tensor shared by several version maps (e.g. a buffer carried over by a step) is disposed only
 *    when the last map holding it goes.
 *  - Gradients accumulate across backwards until `step`, which consumes them (gpipe steps once per
 *    flush, 1f1b after every backward).
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../models/block.js';
import { disposeParams, type StageParams } from '../models/params.js';
import { StageModule, type PendingBackward } from '../models/stage.js';
import type { Optimizer } from '../train/optimizer.js';
import { DynpipeError } from '../errors.js';

interface InFlight {
  version: number;
  pending: PendingBackward;
}

export class StageState {
  readonly module: StageModule;
  private readonly versions = new Map<number, StageParams>();
  private readonly refs = new Map<number, number>();
  private readonly inFlight = new Map<number, InFlight>();
  private grads: StageParams | undefined;
  private current: number;
  private detached = false;

  constructor(
    readonly model: ModelSpec,
    readonly range: readonly [number, number],
    params: StageParams,
    readonly optimizer: Optimizer,
    version = 0,
  ) {
    this.module = new StageModule(model, range);
    this.current = version;
    this.versions.set(version, params);
  }

  get version(): number {
    return this.current;
  }

  get isLast(): boolean {
    return this.module.isLast;
  }

  /** The live parameters (owned by this state; do not dispose). */
  get params(): StageParams {
    return this.versions.get(this.current)!;
  }

  /** Weight versions held right now (current + stashed): the stash depth the schedule promised. */
  get heldVersions(): number[] {
    return [...this.versions.keys()].sort((a, b) => a - b);
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  private use(version: number, mb: number): StageParams {
    if (version !== this.current) {
      throw new DynpipeError('E_MESSAGE', `stage ${this.range.join('-')}: forward of mb ${mb} asks for version ${version}, live is ${this.current}`);
    }
    this.refs.set(version, (this.refs.get(version) ?? 0) + 1);
    return this.params;
  }

  /** Forward of a non-last stage; returns the output activation (caller owns it). */
  forward(mb: number, version: number, x: tf.Tensor): tf.Tensor {
    const params = this.use(version, mb);
    const { y, pending, bufferUpdates } = this.module.forward(params, x, { training: true });
    this.inFlight.set(mb, { version, pending });
    this.installBuffers(bufferUpdates);
    return y;
  }

  /** Forward of the last stage, through the loss; returns the loss value. */
  async forwardLoss(mb: number, version: number, x: tf.Tensor, labels: tf.Tensor): Promise<number> {
    const params = this.use(version, mb);
    const { loss, logits, pending, bufferUpdates } = this.module.forwardLoss(params, x, labels, { training: true });
    logits.dispose();
    this.inFlight.set(mb, { version, pending });
    this.installBuffers(bufferUpdates);
    const value = (await loss.data())[0];
    loss.dispose();
    return value;
  }

  /**
   * Backward of `mb` with the version its forward used; accumulates weight gradients scaled by
   * `scale` (a replica's share of the microbatch) and returns d loss / d input scaled likewise.
   */
  backward(mb: number, version: number, dy: tf.Tensor | null, scale = 1): tf.Tensor | null {
    const f = this.inFlight.get(mb);
    if (f === undefined) throw new DynpipeError('E_MESSAGE', `backward of mb ${mb} without its forward`);
    if (f.version !== version) throw new DynpipeError('E_MESSAGE', `backward of mb ${mb} with version ${version}, forward used ${f.version}`);
    this.inFlight.delete(mb);
    const { dx, grads } = this.module.backward(f.pending, dy);
    this.release(version);
    const scaledDx = dx && scale !== 1 ? tf.tidy(() => tf.mul(dx, scale)) : dx;
    if (scaledDx !== dx) dx?.dispose();
    this.accumulate(grads, scale);
    return scaledDx;
  }

  /** The accumulated gradients (for an all-reduce); undefined before any backward. */
  get accumulated(): StageParams | undefined {
    return this.grads;
  }

  /** Replaces the accumulated gradients (after an all-reduce); takes ownership of `grads`. */
  setAccumulated(grads: StageParams): void {
    if (this.grads) disposeParams(this.grads);
    this.grads = grads;
  }

  /** Applies the accumulated gradients: version v -> v+1. */
  step(version: number): void {
    if (version !== this.current) throw new DynpipeError('E_MESSAGE', `step of version ${version}, live is ${this.current}`);
    if (this.grads === undefined) throw new DynpipeError('E_MESSAGE', `step of version ${version} with no gradients`);
    const old = this.params;
    const next = this.optimizer.step(old, this.grads);
    disposeParams(this.grads);
    this.grads = undefined;
    for (const [k, t] of old) if (!next.has(k)) next.set(k, t); // buffers carry over
    this.current = version + 1;
    this.versions.set(this.current, next);
    this.dropIfUnused(version);
  }

  /** True when nothing is in flight: one weight version, no recording, no accumulated gradient. */
  get isDrained(): boolean {
    return this.inFlight.size === 0 && this.versions.size === 1 && this.grads === undefined;
  }

  /**
   * Hands the live parameters and the optimizer over without disposing them (a migration or a
   * checkpoint at a drained boundary); the state is empty afterwards and dispose() frees nothing
   * it handed over. At a drained boundary no weight-stash version is in flight, so the live
   * weights and the optimizer state are all a stage holds. Throws E_MIGRATION unless drained.
   */
  detach(): { params: StageParams; optimizer: Optimizer; version: number } {
    if (!this.isDrained) {
      throw new DynpipeError('E_MIGRATION', `stage ${this.range.join('-')} is not drained: ${this.inFlight.size} microbatches in flight, versions [${this.heldVersions.join(', ')}]${this.grads ? ', gradients pending' : ''}`);
    }
    const params = this.params;
    this.versions.clear();
    this.detached = true;
    return { params, optimizer: this.optimizer, version: this.current };
  }

  /** Frees every recording and version (abort or end of run). */
  dispose(): void {
    for (const f of this.inFlight.values()) f.pending.dispose();
    this.inFlight.clear();
    if (this.grads) disposeParams(this.grads);
    this.grads = undefined;
    const all = new Set<tf.Tensor>();
    for (const p of this.versions.values()) for (const t of p.values()) all.add(t);
    for (const t of all) t.dispose();
    this.versions.clear();
    if (!this.detached) this.optimizer.dispose();
  }

  private accumulate(grads: StageParams, scale: number): void {
    if (scale !== 1) {
      const scaled: StageParams = new Map();
      for (const [k, g] of grads) {
        scaled.set(k, tf.tidy(() => tf.mul(g, scale)));
        g.dispose();
      }
      grads = scaled;
    }
    if (this.grads === undefined) {
      this.grads = grads;
      return;
    }
    for (const [k, g] of grads) {
      const prev = this.grads.get(k);
      this.grads.set(k, prev ? tf.tidy(() => tf.add(prev, g)) : g.clone());
      prev?.dispose();
      g.dispose();
    }
  }

  private installBuffers(updates: StageParams): void {
    const live = this.params;
    for (const [k, t] of updates) {
      const old = live.get(k);
      live.set(k, t);
      if (old && !this.heldElsewhere(old, this.current)) old.dispose();
    }
  }

  /** Drops one reference to `version` (taken by a forward); an old version with none left is disposed. */
  private release(version: number): void {
    const n = (this.refs.get(version) ?? 0) - 1;
    if (n > 0) this.refs.set(version, n);
    else this.refs.delete(version);
    this.dropIfUnused(version);
  }

  private dropIfUnused(version: number): void {
    if (version === this.current || this.refs.has(version)) return;
    const params = this.versions.get(version);
    this.versions.delete(version);
    for (const t of params?.values() ?? []) if (!this.heldElsewhere(t, version)) t.dispose();
  }

  private heldElsewhere(t: tf.Tensor, except: number): boolean {
    for (const [v, p] of this.versions) if (v !== except) for (const u of p.values()) if (u === t) return true;
    return false;
  }
}
