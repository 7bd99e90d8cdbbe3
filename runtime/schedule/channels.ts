/**
 * The lock-step checker's model of the transport: one FIFO channel per (sender, receiver,
 * payload), holding at most `capacity` messages sent but not yet received (ZeroMQ's high-water
 * mark: a send to a full channel waits). Each channel has one sender and one receiver, so a round
 * can check every stage against the channels first and apply the ready slots after.
 *
 * For timed mode a channel is also a wire: it carries one message at a time, in order, so a message
 * departs at max(its send, the previous arrival) and arrives `transferMs` later.
 */
import type { Instruction, InstructionOf, Slot } from './instructions.js';

export type Payload = 'act' | 'grad';
export type Send = InstructionOf<'send-act' | 'send-grad'>;
export type Recv = InstructionOf<'recv-act' | 'recv-grad'>;

export interface Message {
  readonly from: number;
  readonly to: number;
  readonly payload: Payload;
  readonly mb: number;
  /** When the message reaches `to` (timed mode; 0 otherwise). */
  readonly arrivalMs: number;
}

/**
 * Why a stage cannot run its next slot: its receive finds no message, or one for another
 * microbatch at the head of the FIFO (it can never be received), or its send finds the channel
 * full, or the instruction names a stage that does not exist (or itself).
 */
export type WaitReason = 'no-message' | 'wrong-message' | 'channel-full' | 'no-such-stage';

export interface Wait {
  readonly stage: number;
  readonly instruction: Instruction;
  readonly reason: WaitReason;
  /** For 'wrong-message': the microbatch at the head of the channel. */
  readonly found?: number;
}

interface Channel {
  readonly queue: Message[];
  /** Messages sent so far; message k is the k-th send. */
  sent: number;
  /** receivedMs[k]: when message k was received (frees its place for message k + capacity). */
  readonly receivedMs: number[];
  /** When the wire finishes carrying the last message sent. */
  wireFreeMs: number;
}

export function isSend(i: Instruction): i is Send {
  return i.kind === 'send-act' || i.kind === 'send-grad';
}

export function isRecv(i: Instruction): i is Recv {
  return i.kind === 'recv-act' || i.kind === 'recv-grad';
}

function route(stage: number, i: Send | Recv): { from: number; to: number; payload: Payload } {
  const payload: Payload = i.kind === 'send-act' || i.kind === 'recv-act' ? 'act' : 'grad';
  return isSend(i) ? { from: stage, to: i.toStage, payload } : { from: i.fromStage, to: stage, payload };
}

export class Channels {
  /** Indexed by `(from * stages + to) * 2 + (payload === 'act' ? 0 : 1)`, created on first use. */
  private readonly channels: Array<Channel | undefined>;

  /** `capacity` >= 1, or Infinity for unbounded channels. */
  constructor(
    private readonly stages: number,
    private readonly capacity: number,
  ) {
    this.channels = new Array<Channel | undefined>(stages * stages * 2).fill(undefined);
  }

  /** The first reason `slot` cannot run on `stage` against the channels as they are, or null. */
  blocker(stage: number, slot: Slot): Omit<Wait, 'stage'> | null {
    const used: Channel[] = []; // one entry per message this slot already takes from or adds to a channel
    for (const instruction of slot) {
      if (!isSend(instruction) && !isRecv(instruction)) continue;
      const r = route(stage, instruction);
      const peer = isSend(instruction) ? r.to : r.from;
      if (!Number.isInteger(peer) || peer < 0 || peer >= this.stages || peer === stage) return { instruction, reason: 'no-such-stage' };
      const ch = this.channel(r.from, r.to, r.payload);
      const k = used.filter((c) => c === ch).length;
      used.push(ch);
      if (isSend(instruction)) {
        if (ch.queue.length + k >= this.capacity) return { instruction, reason: 'channel-full' };
      } else {
        const message = ch.queue[k];
        if (!message) return { instruction, reason: 'no-message' };
        if (message.mb !== instruction.mb) return { instruction, reason: 'wrong-message', found: message.mb };
      }
    }
    return null;
  }

  /** Earliest time `i` may leave `stage`: when the message `capacity` places ahead was received. */
  freeAtMs(stage: number, i: Send): number {
    const r = route(stage, i);
    const ch = this.channel(r.from, r.to, r.payload);
    const k = ch.sent - this.capacity;
    return k >= 0 ? ch.receivedMs[k] : -Infinity;
  }

  /** Puts `i`'s message on its channel; it departs at `sentMs` or when the wire frees, whichever is later. */
  send(stage: number, i: Send, sentMs: number, transferMs: number): void {
    const r = route(stage, i);
    const ch = this.channel(r.from, r.to, r.payload);
    const arrivalMs = Math.max(sentMs, ch.wireFreeMs) + transferMs;
    ch.wireFreeMs = arrivalMs;
    ch.sent += 1;
    ch.queue.push({ from: r.from, to: r.to, payload: r.payload, mb: i.mb, arrivalMs });
  }

  /** The message `i` will take (the head of its channel); call only after `blocker` returned null. */
  head(stage: number, i: Recv): Message {
    const r = route(stage, i);
    return this.channel(r.from, r.to, r.payload).queue[0];
  }

  /** Takes the head message for `i`, received at `receivedMs`. */
  receive(stage: number, i: Recv, receivedMs: number): Message {
    const r = route(stage, i);
    const ch = this.channel(r.from, r.to, r.payload);
    const message = ch.queue.shift();
    if (!message) throw new Error(`lockstep: ${stage} received from an empty channel`); // blocker() rules this out
    ch.receivedMs.push(receivedMs);
    return message;
  }

  /** Messages sent and never received, channel by channel. */
  undelivered(): Message[] {
    return this.channels.flatMap((ch) => (ch ? ch.queue : []));
  }

  private channel(from: number, to: number, payload: Payload): Channel {
    const key = (from * this.stages + to) * 2 + (payload === 'act' ? 0 : 1);
    return (this.channels[key] ??= { queue: [], sent: 0, receivedMs: [], wireFreeMs: -Infinity });
  }
}
