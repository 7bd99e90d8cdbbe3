/**
 * The messages in flight between ranks during one segment: one FIFO per channel of the topology
 * (topology.ts), each also a wire that carries one message at a time, in order, as
 * runtime/schedule/channels.ts models it for the lock-step checker:
 *
 *   a message sent at t departs at max(t, when the wire carried the previous one) and arrives
 *   messageMs (latency + bytes / bandwidth, costs.ts) plus any net delay of the sender later.
 *
 * Channels are unbounded (a send never waits). Message k of channel c sits at c * span + k, span
 * being the segment's microbatches (a channel carries at most one message per microbatch). Each
 * channel has one receiver, which may register as waiting for it; a send to such a channel hands
 * the waiter back to the caller to wake. Typed arrays, nothing allocated per message.
 */
import { DynpipeError } from '../errors.js';
import { type NetworkModel, type StageCostTable, messageMs } from './costs.js';
import type { Slowdowns } from './interference.js';
import type { RankLists, Topology } from './topology.js';

export class Wires {
  private readonly head: Int32Array;
  private readonly tail: Int32Array;
  private readonly wireFree: Float64Array;
  private readonly waiter: Int32Array;
  private readonly arrival: Float64Array;
  private readonly messageMb: Int32Array;
  private readonly messageMs: Float64Array;
  private readonly messageBytes: Float64Array;

  constructor(
    private readonly t: Topology,
    costs: StageCostTable,
    network: NetworkModel,
    private readonly slowdowns: Slowdowns,
    private readonly span: number,
  ) {
    const ch = t.channels;
    this.head = new Int32Array(ch.count);
    this.tail = new Int32Array(ch.count);
    this.wireFree = new Float64Array(ch.count).fill(-Infinity);
    this.waiter = new Int32Array(ch.count).fill(-1);
    this.arrival = new Float64Array(ch.count * span);
    this.messageMb = new Int32Array(ch.count * span);
    this.messageMs = new Float64Array(ch.count);
    this.messageBytes = new Float64Array(ch.count);
    for (let c = 0; c < ch.count; c++) {
      this.messageBytes[c] = (costs.boundaryBytes[ch.boundary[c]] * ch.rows[c]) / t.microbatchSize;
      this.messageMs[c] = messageMs(network, this.messageBytes[c]);
    }
  }

  /**
   * Rank r sends microbatch mb's message on each of its channels in `lists` at time `now`; calls
   * `wake(rank, arrivalMs)` for a receiver that was waiting on one of them (it no longer is).
   */
  send(r: number, now: number, lists: RankLists, mb: number, wake: (rank: number, atMs: number) => void): void {
    for (let x = lists.start[r]; x < lists.start[r + 1]; x++) {
      const c = lists.list[x];
      const depart = Math.max(now, this.wireFree[c]);
      const arrival = depart + this.messageMs[c] + this.slowdowns.sendDelayMs(r, now, this.messageBytes[c]);
      this.wireFree[c] = arrival;
      const slot = c * this.span + this.tail[c]++;
      this.arrival[slot] = arrival;
      this.messageMb[slot] = mb;
      const w = this.waiter[c];
      if (w >= 0) {
        this.waiter[c] = -1;
        wake(w, arrival);
      }
    }
  }

  /**
   * When rank r's receive of mb on its channels in `lists` ends, if every piece has been sent: it
   * takes the messages and returns max(now, their arrivals). Otherwise it registers r as waiting
   * on the first empty channel and returns -1. A message of another microbatch at the head of a
   * channel breaks the pairing rule: E_SCHEDULE.
   */
  receive(r: number, now: number, lists: RankLists, mb: number): number {
    let end = now;
    for (let x = lists.start[r]; x < lists.start[r + 1]; x++) {
      const c = lists.list[x];
      if (this.head[c] === this.tail[c]) {
        this.waiter[c] = r;
        return -1;
      }
      const slot = c * this.span + this.head[c];
      if (this.messageMb[slot] !== mb) {
        throw new DynpipeError('E_SCHEDULE', `simulator: rank ${r} waits for mb ${mb} from rank ${this.t.channels.from[c]}, but the channel holds mb ${this.messageMb[slot]} first`);
      }
      if (this.arrival[slot] > end) end = this.arrival[slot];
    }
    for (let x = lists.start[r]; x < lists.start[r + 1]; x++) this.head[lists.list[x]]++;
    return end;
  }

  /** Rank r no longer waits for any channel. */
  forget(r: number): void {
    for (let c = 0; c < this.waiter.length; c++) if (this.waiter[c] === r) this.waiter[c] = -1;
  }
}
