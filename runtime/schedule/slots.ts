/**
 * The two slot shapes every schedule is made of, so that 1F1B and GPipe differ only in the order
 * of slots, never in how a forward or a backward talks to its neighbours.
 */
import type { Instruction, Slot } from './instructions.js';

export interface StagePosition {
  readonly stage: number;
  readonly stages: number;
}

/**
 * Forward of `mb` with weight `version`: its input comes from the loader (stage 0) or stage - 1;
 * the last stage also loads labels (its forward computes the loss); others send to stage + 1.
 */
export function forwardSlot(at: StagePosition, mb: number, version: number): Slot {
  const { stage, stages } = at;
  const slot: Instruction[] = [];
  slot.push(stage === 0 ? { kind: 'load-input', mb } : { kind: 'recv-act', mb, fromStage: stage - 1 });
  if (stage === stages - 1) slot.push({ kind: 'load-labels', mb });
  slot.push({ kind: 'forward', mb, version });
  if (stage < stages - 1) slot.push({ kind: 'send-act', mb, toStage: stage + 1 });
  return slot;
}

/** An optimizer step closing a slot: it moves the stage from `version` to `version + 1`. */
export interface Update {
  readonly version: number;
  /** Replicated stage: average gradients across replicas first. */
  readonly replicated: boolean;
}

/**
 * Backward of `mb` with its stashed weight `version`: the last stage starts from its own loss,
 * others receive the output gradient from stage + 1; all but stage 0 send the input gradient to
 * stage - 1. With `update`, the slot ends with (allreduce and) the optimizer step.
 */
export function backwardSlot(at: StagePosition, mb: number, version: number, update: Update | null): Slot {
  const { stage, stages } = at;
  const slot: Instruction[] = [];
  if (stage < stages - 1) slot.push({ kind: 'recv-grad', mb, fromStage: stage + 1 });
  slot.push({ kind: 'backward', mb, version });
  if (stage > 0) slot.push({ kind: 'send-grad', mb, toStage: stage - 1 });
  if (update) {
    if (update.replicated) slot.push({ kind: 'allreduce-grads', version: update.version });
    slot.push({ kind: 'step', version: update.version });
  }
  return slot;
}
