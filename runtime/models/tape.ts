/**
 * Record a forward pass now, differentiate it later: the mechanism behind `StageModule`'s split
 * forward/backward (and so behind weight stashing).
 *
 * `tf.grads` runs forward and backward inside one call, but a pipeline stage runs the backward of
 * micro-batch i long after its forward, with other forwards in between. tfjs's engine already
 * records a tape of `TapeNode`s while `gradientDepth > 0`; each node keeps clones of exactly the
 * tensors its gradient needs (`saved`), taken at forward time. `recordTape` switches that
 * recording on for the duration of one function and hands the nodes over in a `Tape`; `Tape.
 * backprop` later walks them in reverse, as `tfjs-core/src/tape.ts` does (that module is not
 * importable under Node ESM, so the ~40 lines of walk are restated here, in the same order, so
 * gradients are bit-identical to `tf.grads`).
 *
 * Invariants:
 *  - A tape owns its saved tensors: `backprop` or `dispose` frees them, exactly once.
 *  - Saved tensors are clones taken at forward time, so a later update of a parameter (a new
 *    tensor from the optimizer) cannot change the gradient of an older forward.
 *  - Only tensor ids and shapes of a node's inputs/outputs are read at backward time; the
 *    intermediates themselves are disposed when the recorded function returns.
 *  - `recordTape` must not run inside `tf.grad(s)`/`tf.variableGrads` (it would hide its ops from
 *    that outer tape); it throws if it does.
 *
 * Coupling: relies on `engine.state.{activeTape, gradientDepth}` and the `TapeNode` shape of
 * tfjs-core 4.x (checked by test/runtime/models/tape.test.ts against `tf.grads`).
 */
import * as tf from '@tensorflow/tfjs';

/** The fields of a tfjs-core 4.x tape node that backprop reads. */
interface TapeNode {
  id: number;
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  saved?: tf.Tensor[];
  gradient?: (dys: Array<tf.Tensor | null>) => Record<string, () => tf.Tensor>;
}

interface EngineTapeState {
  activeTape: TapeNode[] | null;
  gradientDepth: number;
}

function tapeState(): EngineTapeState {
  return (tf.engine() as unknown as { state: EngineTapeState }).state;
}

/** Where a gradient is wanted or seeded: only the id and shape of a tensor matter. */
export interface TensorRef {
  readonly id: number;
  readonly shape: readonly number[];
}

export class Tape {
  private nodes: TapeNode[] | null;

  constructor(nodes: TapeNode[]) {
    this.nodes = nodes;
  }

  get disposed(): boolean {
    return this.nodes === null;
  }

  /**
   * Gradients of `y` w.r.t. each of `xs`, seeded with `dy` (same shape as y; the caller keeps
   * ownership of dy). An x that does not influence y gets `null`. Frees the tape.
   */
  backprop(y: TensorRef, xs: readonly TensorRef[], dy: tf.Tensor): Array<tf.Tensor | null> {
    const nodes = this.take();
    try {
      const grads = tf.tidy(() => {
        const acc = new Map<number, tf.Tensor>([[y.id, dy]]);
        backpropagate(acc, pathFromXsToY(nodes, xs, y), dy);
        const out: Record<string, tf.Tensor> = {};
        xs.forEach((x, i) => {
          const g = acc.get(x.id);
          if (g !== undefined) out[i] = g === dy ? dy.clone() : g;
        });
        return out;
      });
      return xs.map((_, i) => grads[i] ?? null);
    } finally {
      disposeSaved(nodes);
    }
  }

  /** Frees the saved tensors without differentiating (an abandoned forward). Idempotent. */
  dispose(): void {
    if (this.nodes !== null) disposeSaved(this.nodes);
    this.nodes = null;
  }

  private take(): TapeNode[] {
    if (this.nodes === null) throw new Error('tape already consumed or disposed');
    const nodes = this.nodes;
    this.nodes = null;
    return nodes;
  }
}

/** Runs `f` inside `tf.tidy` with tape recording on; returns its result and the recorded tape. */
export function recordTape<T extends tf.TensorContainer>(f: () => T): { result: T; tape: Tape } {
  const state = tapeState();
  if (state.gradientDepth !== 0) throw new Error('recordTape cannot run inside tf.grad/tf.grads');
  state.activeTape = [];
  state.gradientDepth = 1;
  let nodes: TapeNode[] = [];
  try {
    const result = tf.tidy(f);
    nodes = state.activeTape;
    return { result, tape: new Tape(nodes) };
  } catch (e) {
    disposeSaved(state.activeTape ?? []);
    throw e;
  } finally {
    state.gradientDepth = 0;
    state.activeTape = null;
  }
}

function disposeSaved(nodes: readonly TapeNode[]): void {
  for (const node of nodes) for (const t of node.saved ?? []) t.dispose();
}

/** The nodes on some path from an x to y, in tape order, with inputs pruned to those reached from xs. */
function pathFromXsToY(tape: readonly TapeNode[], xs: readonly TensorRef[], y: TensorRef): TapeNode[] {
  const fromX = new Set<number>(xs.map((x) => x.id));
  const nodesFromX = new Set<number>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((t) => fromX.has(t.id))) {
      for (const o of node.outputs) fromX.add(o.id);
      nodesFromX.add(node.id);
    }
  }
  const toY = new Set<number>([y.id]);
  const nodesToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    if (node.outputs.some((o) => toY.has(o.id))) {
      for (const t of Object.values(node.inputs)) toY.add(t.id);
      nodesToY.add(node.id);
    }
  }
  const path: TapeNode[] = [];
  for (const node of tape) {
    if (!nodesFromX.has(node.id) || !nodesToY.has(node.id)) continue;
    const inputs: Record<string, tf.Tensor> = {};
    for (const [name, t] of Object.entries(node.inputs)) if (fromX.has(t.id)) inputs[name] = t;
    path.push({ ...node, inputs });
  }
  return path;
}

/** Walks `path` backwards accumulating d y / d t into `acc` (by tensor id). Never disposes `seed`. */
function backpropagate(acc: Map<number, tf.Tensor>, path: readonly TapeNode[], seed: tf.Tensor): void {
  for (let i = path.length - 1; i >= 0; i--) {
    const node = path[i];
    if (node.gradient === undefined) throw new Error(`no gradient registered for kernel ${node.kernelName}`);
    const inputGrads = node.gradient(node.outputs.map((o) => acc.get(o.id) ?? null));
    for (const [name, x] of Object.entries(node.inputs)) {
      const gradOf = inputGrads[name];
      if (gradOf === undefined) throw new Error(`kernel ${node.kernelName} has no gradient for input '${name}'`);
      const dx = tf.tidy(gradOf);
      if (dx.dtype !== 'float32') throw new Error(`gradient of ${node.kernelName} input '${name}' has dtype ${dx.dtype}`);
      if (!tf.util.arraysEqual(dx.shape, x.shape)) {
        throw new Error(`gradient of ${node.kernelName} input '${name}' has shape [${dx.shape}], input has [${x.shape}]`);
      }
      const prev = acc.get(x.id);
      if (prev === undefined) {
        acc.set(x.id, dx);
      } else {
        acc.set(x.id, tf.add(prev, dx));
        if (prev !== seed) prev.dispose();
      }
    }
  }
}
