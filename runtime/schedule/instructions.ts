/**
 * The instructions a pipeline stage executes, as plain data. A schedule yields them; the worker
 * executes them through one `Handlers` table; the lock-step checker and the simulator replay them.
 * Nothing here touches a tensor, socket or clock.
 *
 * Vocabulary: `mb` is a global microbatch index; `version` is a weight version of this stage
 * (version v is the weights after v optimizer steps). A stage keeps one activation stash per
 * microbatch in flight (forwarded, not yet backwarded) and the weight version its forward used.
 *
 * Pairing rule: every `send-act`/`send-grad` must meet exactly one `recv-act`/`recv-grad` of the
 * same microbatch on the named neighbour, in the same order (channels are FIFO, like a ZeroMQ
 * pair); an unmatched send or receive hangs the pipeline.
 */
import { check } from '../errors.js';

export type Instruction =
  /** Stage 0 only: read microbatch `mb`'s inputs into its input buffer. No pairing. */
  | { readonly kind: 'load-input'; readonly mb: number }
  /** Last stage only: read microbatch `mb`'s labels (the loss in its forward needs them). No pairing. */
  | { readonly kind: 'load-labels'; readonly mb: number }
  /** Fill the input buffer of `mb` with activations; pairs with `send-act` of `fromStage`. */
  | { readonly kind: 'recv-act'; readonly mb: number; readonly fromStage: number }
  /** Run the stage's blocks on `mb` with weight `version` (the live weights); stash the activations and the version. */
  | { readonly kind: 'forward'; readonly mb: number; readonly version: number }
  /** Send `mb`'s output activations; pairs with `recv-act` of `toStage`. */
  | { readonly kind: 'send-act'; readonly mb: number; readonly toStage: number }
  /** Fill the output-gradient buffer of `mb`; pairs with `send-grad` of `fromStage`. */
  | { readonly kind: 'recv-grad'; readonly mb: number; readonly fromStage: number }
  /**
   * Back-propagate `mb` with the weights of `version`, which must equal the version its forward
   * used (weight stashing); accumulate weight gradients. Frees `mb`'s stash: there is no separate
   * free instruction, so a stash lives exactly from its forward to its backward.
   */
  | { readonly kind: 'backward'; readonly mb: number; readonly version: number }
  /** Send `mb`'s input gradients; pairs with `recv-grad` of `toStage`. */
  | { readonly kind: 'send-grad'; readonly mb: number; readonly toStage: number }
  /**
   * Replicated stages only: average accumulated gradients across the stage's replicas before the
   * step updating `version`; pairs with the same instruction on every replica of the stage.
   */
  | { readonly kind: 'allreduce-grads'; readonly version: number }
  /** Apply accumulated gradients to the live weights, `version` -> `version + 1`, and zero them. No pairing. */
  | { readonly kind: 'step'; readonly version: number };

export type InstructionKind = Instruction['kind'];

/** The variant of `Instruction` with kind `K`. */
export type InstructionOf<K extends InstructionKind> = Extract<Instruction, { kind: K }>;

/**
 * One handler per kind. A dispatch table typed `Handlers<R>` fails to compile when a kind is
 * added to `Instruction` without a handler, or when a handler names an unknown kind.
 */
export type Handlers<R> = { readonly [K in InstructionKind]: (i: InstructionOf<K>) => R };

/** Calls the handler of `i.kind`; an instruction of no known kind (e.g. decoded from a peer) is E_SCHEDULE. */
export function dispatch<R>(handlers: Handlers<R>, i: Instruction): R {
  check(Object.hasOwn(handlers, i.kind), 'E_SCHEDULE', () => `unknown instruction kind '${String(i.kind)}'`);
  // Sound: handlers[i.kind] takes exactly the variant `i` belongs to; TS cannot correlate the two.
  return (handlers[i.kind] as (i: Instruction) => R)(i);
}

/**
 * What a schedule yields per step: the instructions around one compute (a forward or a backward):
 * the loads and receives it needs first, then the compute, then its sends and any optimizer step.
 * Slots are not aligned across stages: the worker runs them back to back and blocks in receives;
 * the lock-step checker runs at most one slot per stage per round.
 */
export type Slot = readonly Instruction[];

/** True for the two instructions that compute (and take a stage's time in a timeline). */
export function isCompute(i: Instruction): i is InstructionOf<'forward' | 'backward'> {
  return i.kind === 'forward' || i.kind === 'backward';
}

/** A one-line description for error messages, e.g. `recv-act mb 3 from stage 1`. */
export function describeInstruction(i: Instruction): string {
  return dispatch(DESCRIBE, i);
}

const DESCRIBE: Handlers<string> = {
  'load-input': (i) => `load-input mb ${i.mb}`,
  'load-labels': (i) => `load-labels mb ${i.mb}`,
  'recv-act': (i) => `recv-act mb ${i.mb} from stage ${i.fromStage}`,
  forward: (i) => `forward mb ${i.mb} v${i.version}`,
  'send-act': (i) => `send-act mb ${i.mb} to stage ${i.toStage}`,
  'recv-grad': (i) => `recv-grad mb ${i.mb} from stage ${i.fromStage}`,
  backward: (i) => `backward mb ${i.mb} v${i.version}`,
  'send-grad': (i) => `send-grad mb ${i.mb} to stage ${i.toStage}`,
  'allreduce-grads': (i) => `allreduce-grads v${i.version}`,
  step: (i) => `step v${i.version}`,
};
