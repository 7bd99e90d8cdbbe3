/**
 * A pure lock-step executor of all stages' streams: the checker that proves a schedule pairs every
 * send with its neighbour's receive and cannot deadlock, without tensors or sockets.
 *
 * Rounds: in each round every stage whose next slot can run (each receive finds its microbatch at
 * the head of its channel, each send finds room; see channels.ts) runs that whole slot, all checked
 * against the channels as they were when the round began. So a message sent in round r is received
 * in round r + 1 at the earliest, and a receive frees room for sends from round r + 1. The run ends
 * when no stage can move: if some stream is unfinished that is a deadlock, reported per stage with
 * the instruction it waits at and why; messages nobody received are reported too. Blocking is
 * monotone (a ready slot stays ready until it runs), so the verdict does not depend on the rounds.
 *
 * Timed mode (`timing`): every executed instruction also gets start/end times from the
 * discrete-event rules in timing.ts. Times follow dependencies only, not rounds, so they are those
 * of an asynchronous run; the round order merely guarantees each dependency is timed first.
 */
import { check } from '../errors.js';
import { Channels, isRecv, isSend, type Message, type Wait } from './channels.js';
import { describeInstruction, type Slot } from './instructions.js';
import { ZERO_TIMING, type TimedInstruction, type Timing } from './timing.js';

export type { Message, Wait, WaitReason } from './channels.js';

export interface LockstepOptions {
  /** Messages a channel holds before a send waits, >= 1 (default Infinity: unbounded). */
  readonly capacity?: number;
  /** Timed mode: durations of instructions and transfers. */
  readonly timing?: Timing;
}

export interface LockstepResult {
  /** True when every stream ran to its end and every message was received. */
  readonly ok: boolean;
  /** rounds[r][s]: the slot stage s ran in round r, or null when it waited or had finished. */
  readonly rounds: ReadonlyArray<ReadonlyArray<Slot | null>>;
  /** Stages left unfinished, each at the instruction it waits for (a deadlock); empty when none. */
  readonly stuck: readonly Wait[];
  /** Messages sent but never received. */
  readonly undelivered: readonly Message[];
  /** times[s]: stage s's executed instructions in order, with times (timed mode; otherwise empty lists). */
  readonly times: ReadonlyArray<readonly TimedInstruction[]>;
}

/** Runs `streams[s]` as stage s until all finish or none can move. */
export function runLockstep(streams: ReadonlyArray<Iterable<Slot>>, opts: LockstepOptions = {}): LockstepResult {
  const capacity = opts.capacity ?? Infinity;
  check(capacity >= 1, 'E_SCHEDULE', () => `lockstep: capacity must be >= 1, got ${capacity}`);
  const timing = opts.timing ?? ZERO_TIMING;
  const slots = streams.map((s) => [...s]);
  const p = slots.length;
  const channels = new Channels(p, capacity);
  const next = new Array<number>(p).fill(0);
  const clockMs = new Array<number>(p).fill(0);
  const times: TimedInstruction[][] = slots.map(() => []);
  const rounds: Array<Array<Slot | null>> = [];

  for (;;) {
    const ready: number[] = [];
    const waits: Wait[] = [];
    for (let s = 0; s < p; s++) {
      if (next[s] === slots[s].length) continue;
      const blocked = channels.blocker(s, slots[s][next[s]]);
      if (blocked) waits.push({ stage: s, ...blocked });
      else ready.push(s);
    }
    if (ready.length === 0) {
      const undelivered = channels.undelivered();
      const ok = waits.length === 0 && undelivered.length === 0;
      return { ok, rounds, stuck: waits, undelivered, times: opts.timing ? times : slots.map(() => []) };
    }
    const row = new Array<Slot | null>(p).fill(null);
    for (const s of ready) {
      const slot = slots[s][next[s]++];
      row[s] = slot;
      for (const instruction of slot) {
        const startMs = clockMs[s];
        let mayProceedMs = startMs;
        if (isRecv(instruction)) mayProceedMs = Math.max(startMs, channels.head(s, instruction).arrivalMs);
        if (isSend(instruction)) mayProceedMs = Math.max(startMs, channels.freeAtMs(s, instruction));
        const endMs = mayProceedMs + timing.busyMs(s, instruction);
        if (isRecv(instruction)) channels.receive(s, instruction, endMs);
        if (isSend(instruction)) channels.send(s, instruction, endMs, timing.transferMs(s, instruction.toStage, instruction.kind === 'send-act' ? 'act' : 'grad'));
        clockMs[s] = endMs;
        times[s].push({ instruction, startMs, endMs });
      }
    }
    rounds.push(row);
  }
}

/** One line per problem, e.g. `stage 2 waits at recv-act mb 3 from stage 1: no-message`. */
export function describeFailure(result: LockstepResult): string {
  const lines = result.stuck.map((w) => {
    const found = w.found === undefined ? '' : ` (channel holds mb ${w.found})`;
    return `stage ${w.stage} waits at ${describeInstruction(w.instruction)}: ${w.reason}${found}`;
  });
  for (const m of result.undelivered) lines.push(`undelivered ${m.payload} mb ${m.mb} from stage ${m.from} to stage ${m.to}`);
  return lines.join('\n');
}
