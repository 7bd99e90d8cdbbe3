/**
 * A stage's instruction stream in typed arrays: the very slots `createSchedule` yields (no second
 * copy of 1F1B or GPipe here), flattened once per window so the engine reads three numbers per
 * instruction instead of walking objects.
 *
 * Invariants checked while compiling (E_SCHEDULE naming stage and instruction): every send and
 * receive talks to the neighbouring stage the slot shapes promise (slots.ts), so the engine can
 * route messages by stage alone; and the stream is what the schedule generator produced, in order.
 */
import { check } from '../errors.js';
import { describeInstruction, type Instruction, type InstructionKind } from '../schedule/instructions.js';
import { createSchedule, type ScheduleKind, type ScheduleOptions } from '../schedule/schedule.js';

/** Instruction kinds as small integers, in one table (the engine switches on these). */
export const OP = {
  'load-input': 0,
  'load-labels': 1,
  'recv-act': 2,
  forward: 3,
  'send-act': 4,
  'recv-grad': 5,
  backward: 6,
  'send-grad': 7,
  'allreduce-grads': 8,
  step: 9,
} as const satisfies Record<InstructionKind, number>;

export type OpCode = (typeof OP)[InstructionKind];

export interface StageProgram {
  readonly stage: number;
  readonly length: number;
  readonly op: Uint8Array;
  /** Microbatch of the instruction; -1 for allreduce-grads and step. */
  readonly mb: Int32Array;
  /** Weight version (forward, backward, allreduce-grads, step); -1 otherwise. */
  readonly version: Int32Array;
  /** 1 where the instruction is the last of its slot. */
  readonly slotEnd: Uint8Array;
}

/** The neighbour a send or receive must name, or null for instructions that talk to no one. */
function expectedPeer(i: Instruction, stage: number): number | null {
  switch (i.kind) {
    case 'recv-act':
    case 'send-grad':
      return stage - 1;
    case 'send-act':
    case 'recv-grad':
      return stage + 1;
    default:
      return null;
  }
}

function peerOf(i: Instruction): number {
  if (i.kind === 'recv-act' || i.kind === 'recv-grad') return i.fromStage;
  if (i.kind === 'send-act' || i.kind === 'send-grad') return i.toStage;
  return -1;
}

/** Compiles stage `opts.stage`'s stream of schedule `kind` for one window. */
export function compileStage(kind: ScheduleKind, opts: ScheduleOptions): StageProgram {
  const instructions: Instruction[] = [];
  const ends: number[] = [];
  for (const slot of createSchedule(kind, opts)) {
    for (const i of slot) instructions.push(i);
    if (slot.length > 0) ends.push(instructions.length - 1);
  }
  const n = instructions.length;
  const op = new Uint8Array(n);
  const mb = new Int32Array(n);
  const version = new Int32Array(n);
  const slotEnd = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const i = instructions[k];
    const want = expectedPeer(i, opts.stage);
    check(want === null || peerOf(i) === want, 'E_SCHEDULE', () => `simulator: stage ${opts.stage}: ${describeInstruction(i)} must name stage ${want}`);
    op[k] = OP[i.kind];
    mb[k] = 'mb' in i ? i.mb : -1;
    version[k] = 'version' in i ? i.version : -1;
  }
  for (const k of ends) slotEnd[k] = 1;
  return { stage: opts.stage, length: n, op, mb, version, slotEnd };
}

/** Index of the first instruction where `a` and `b` differ, or -1 when one is a prefix of the other up to `upTo`. */
export function firstDifference(a: StageProgram, b: StageProgram, upTo: number): number {
  const n = Math.min(upTo, a.length, b.length);
  for (let k = 0; k < n; k++) {
    if (a.op[k] !== b.op[k] || a.mb[k] !== b.mb[k] || a.version[k] !== b.version[k]) return k;
  }
  return upTo > a.length || upTo > b.length ? n : -1;
}
