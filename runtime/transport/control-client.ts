/**
 * A rank's end of the control channel: one DEALER socket with routing identity = rank, connected to
 * the coordinator's ROUTER (control-server.ts). It accepts only `peers` and `shutdown`; anything else,
 * or anything malformed, goes to `onReject`, is counted and dropped.
 *
 * Losing the coordinator (with `coordinatorTimeoutMs`): the DEALER sends ZMTP heartbeats, which the
 * coordinator's ZeroMQ I/O thread answers even while its JavaScript is busy. When no answer comes
 * within the timeout (link down, host gone), or the coordinator's process ends (connection reset),
 * ZeroMQ drops the connection; from then on every pending and future `next()` rejects with
 * E_PEER_FAILED naming the coordinator, so a rank waiting for `shutdown` learns it will never come.
 */
import * as zmq from 'zeromq';
import { DynpipeError } from '../errors.js';
import { checkIndex, checkTimeout } from './checks.js';
import { COORDINATOR_MESSAGE_TYPES, type ControlMessage, type ControlOf, type CoordinatorMessage, type HostEntry, MAX_CONTROL_BYTES, type RankMessage, decodeControl, encodeControl } from './control-messages.js';
import type { RegisterInfo } from './control-server.js';
import { parseEndpoint } from './endpoints.js';
import type { CurveKeys } from './curve-keys.js';
import { curveClientOptions, reportHandshakeFailures } from './curve.js';
import { Inbox } from './inbox.js';
import { SendChain } from './send-chain.js';

export interface ControlClientOptions {
  rank: number;
  /** The coordinator's ROUTER endpoint. */
  coordinator: string;
  onReject: (err: DynpipeError) => void;
  capacity?: number;
  /** The job's CURVE key pair: connect only to a coordinator holding it (default: none). */
  curve?: CurveKeys;
  /** Declare the coordinator lost after this long without an answer to a heartbeat (default: never). */
  coordinatorTimeoutMs?: number;
}

/** The peer table of a completed rendezvous. */
export interface Rendezvous {
  /** Every rank's `endpoint`, by rank. */
  endpoints: Map<number, string>;
  /** Host and ipc endpoint of every rank that announced its host. */
  hosts: Map<number, HostEntry>;
}

export class ControlClient {
  private readonly inbox: Inbox<CoordinatorMessage>;
  private readonly chain = new SendChain();
  private readLoop: Promise<void> = Promise.resolve();
  private heartbeat: NodeJS.Timeout | undefined;
  private closed = false;
  private rejectedCount = 0;
  private cutAtMs: number | undefined;

  private constructor(
    private readonly opts: ControlClientOptions,
    private readonly dealer: zmq.Dealer,
    inbox: Inbox<CoordinatorMessage>,
  ) {
    this.inbox = inbox;
  }

  /** Messages rejected or dropped so far (each also went to onReject). */
  get rejected(): number {
    return this.rejectedCount;
  }

  /** Connects to the coordinator (ZeroMQ retries in the background until it is there). */
  static open(opts: ControlClientOptions): ControlClient {
    checkIndex(opts.rank, 'rank');
    parseEndpoint(opts.coordinator, 'coordinator endpoint');
    const inbox = new Inbox<CoordinatorMessage>(opts.capacity ?? 1024);
    const lossMs = opts.coordinatorTimeoutMs;
    if (lossMs !== undefined) checkTimeout(lossMs);
    const heartbeat = lossMs === undefined ? {} : { heartbeatInterval: Math.max(50, Math.floor(lossMs / 4)), heartbeatTimeout: lossMs };
    const dealer = new zmq.Dealer({ routingId: String(opts.rank), linger: 0, maxMessageSize: MAX_CONTROL_BYTES, ...heartbeat, ...curveClientOptions(opts.curve) });
    const client = new ControlClient(opts, dealer, inbox);
    if (opts.curve) reportHandshakeFailures(dealer, `rank ${opts.rank}`, (line) => client.report(line));
    if (lossMs !== undefined) dealer.events.on('disconnect', () => client.lose(lossMs));
    dealer.connect(opts.coordinator);
    client.readLoop = client.read();
    return client;
  }

  get rank(): number {
    return this.opts.rank;
  }

  async send(message: RankMessage, timeoutMs: number): Promise<void> {
    this.checkOpen();
    checkTimeout(timeoutMs);
    if (this.cutAtMs !== undefined && Date.now() >= this.cutAtMs) return; // the simulated cut: lost on the way
    const body = encodeControl(message);
    const deadline = Date.now() + timeoutMs;
    try {
      await this.chain.run(() => {
        this.dealer.sendTimeout = Math.max(1, Math.ceil(deadline - Date.now()));
        return this.dealer.send(body);
      });
    } catch (e) {
      this.checkOpen();
      if ((e as { code?: string }).code === 'EAGAIN') throw new DynpipeError('E_PEER_TIMEOUT', `rank ${this.rank}: coordinator at '${this.opts.coordinator}' did not take '${message.type}' within ${timeoutMs} ms`);
      throw new DynpipeError('E_PEER_FAILED', `rank ${this.rank}: sending '${message.type}' to the coordinator failed: ${(e as Error).message}`, { cause: e });
    }
  }

  /** The oldest queued coordinator message of one of `types`, waiting up to `timeoutMs`. */
  next<T extends CoordinatorMessage['type']>(types: readonly T[], timeoutMs: number): Promise<ControlOf<T>> {
    checkTimeout(timeoutMs);
    return this.inbox.take(
      (m): m is ControlOf<T> => (types as readonly string[]).includes(m.type),
      timeoutMs,
      (waited) => new DynpipeError('E_PEER_TIMEOUT', `rank ${this.rank}: no ${types.join('/')} from the coordinator after ${waited} ms`),
    );
  }

  /** Registers this rank's data endpoint and returns every rank's endpoint, within one deadline. */
  async register(info: RegisterInfo, timeoutMs: number): Promise<Map<number, string>> {
    return (await this.join(info, timeoutMs)).endpoints;
  }

  /**
   * Registers and returns the whole peer table, within one deadline. A `shutdown` instead of the
   * table (the coordinator refused the job, or another rank failed) is E_PEER_FAILED with its reason.
   */
  async join(info: RegisterInfo, timeoutMs: number): Promise<Rendezvous> {
    const deadline = Date.now() + timeoutMs;
    await this.send({ type: 'register', rank: this.rank, ...info }, timeoutMs);
    const reply = await this.next(['peers', 'shutdown'], Math.max(1, deadline - Date.now()));
    if (reply.type === 'shutdown') throw new DynpipeError('E_PEER_FAILED', `rank ${this.rank}: stopped by the coordinator at rendezvous: ${reply.reason}`);
    const endpoints = new Map(Object.entries(reply.endpoints).map(([r, e]) => [Number(r), e]));
    if (endpoints.get(this.rank) !== info.endpoint) {
      throw new DynpipeError('E_MESSAGE', `rank ${this.rank}: coordinator's peer table lists this rank at '${endpoints.get(this.rank) ?? 'nowhere'}', not '${info.endpoint}'`);
    }
    const hosts = new Map(Object.entries(reply.hosts ?? {}).map(([r, h]) => [Number(r), h]));
    return { endpoints, hosts };
  }

  /** TEST HOOK (network cut): from Date.now() `atMs` on, every message is dropped unsent, heartbeats included. */
  simulateCutAt(atMs: number): void {
    this.cutAtMs = atMs;
  }

  /** Sends a heartbeat every `intervalMs` until close(); a failed beat is reported via onReject. */
  startHeartbeat(intervalMs: number): void {
    checkTimeout(intervalMs);
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      this.send({ type: 'heartbeat', rank: this.rank }, intervalMs).catch((e: unknown) => {
        if (!this.closed) this.report(`rank ${this.rank}: heartbeat failed: ${(e as Error).message}`);
      });
    }, intervalMs);
    this.heartbeat.unref();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.inbox.fail(new DynpipeError('E_PEER_FAILED', `rank ${this.rank}: control channel closed`));
    this.dealer.close();
    await this.readLoop;
  }

  /** The connection to the coordinator dropped (see the module comment): fail every wait on it. */
  private lose(timeoutMs: number): void {
    if (this.closed) return;
    this.inbox.fail(
      new DynpipeError('E_PEER_FAILED', `rank ${this.rank}: lost the coordinator at '${this.opts.coordinator}' (no answer within ${timeoutMs} ms, or it exited)`),
    );
  }

  private async read(): Promise<void> {
    for (;;) {
      let frames: Buffer[];
      try {
        frames = await this.dealer.receive();
      } catch {
        return; // closed
      }
      this.accept(frames);
    }
  }

  private accept(frames: Buffer[]): void {
    if (frames.length !== 1) return this.report(`rank ${this.rank}: rejected control message: expected 1 frame, got ${frames.length}`);
    let message: ControlMessage;
    try {
      message = decodeControl(frames[0]);
    } catch (e) {
      return this.report(`rank ${this.rank}: rejected control message: ${(e as Error).message}`);
    }
    if (!COORDINATOR_MESSAGE_TYPES.includes(message.type)) return this.report(`rank ${this.rank}: rejected '${message.type}': only ranks send it`);
    if (!this.inbox.push(message as CoordinatorMessage)) this.report(`rank ${this.rank}: dropped '${message.type}': ${this.inbox.capacity} messages already queued`);
  }

  private report(message: string): void {
    this.rejectedCount++;
    try {
      this.opts.onReject(new DynpipeError('E_MESSAGE', message));
    } catch {
      // A failing logger must not end the reader loop.
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new DynpipeError('E_PEER_FAILED', `rank ${this.rank}: control channel closed`);
  }
}
