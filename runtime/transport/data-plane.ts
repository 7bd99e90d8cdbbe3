/**
 * Tensor traffic between ranks. Each rank binds ONE PULL socket at its endpoint (and optionally more
 * addresses of the same socket, e.g. ipc beside tcp) and connects one PUSH socket per peer it sends to; a reader loop decodes every arrival and files it in a keyed mailbox
 * where recv() finds it, in whatever order messages arrived.
 *
 *   rank 0 PUSH ──act mb=3──▶ rank 1 PULL ─▶ reader ─▶ checks ─▶ mailbox ◀─ recv({act, mb 3, from 0})
 *                                                        └─▶ onReject(err) + count   (never a throw)
 *
 * Contract:
 *  - send() resolves once ZeroMQ has queued the message; while the peer's queue is at its high-water
 *    mark it waits (backpressure). Sends to one peer go out in call order. The tensor is sent
 *    zero-copy: do not write into its data after send().
 *  - Memory is bounded: at most `mailboxCapacity` unclaimed messages; while full, the reader stops
 *    reading, the socket queues fill and the peers' sends block. Nothing is dropped for space.
 *  - A message that fails to decode, is addressed to another rank, carries another plan version,
 *    repeats a key, or fails the `expect` check for its kind is reported via `onReject`, counted in
 *    `stats.rejected` and dropped; the data plane keeps working.
 *  - Every wait has a deadline: E_PEER_TIMEOUT names this rank, the kind, micro-batch (all-reduce:
 *    step), peer and time waited.
 *  - close() is idempotent, drops unsent messages (linger 0) and fails pending calls.
 *  - With `curve` keys (curve.ts) the PULL socket admits only peers holding the job's key pair and
 *    every PUSH proves it holds them; a peer without them never gets a message in or out.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import * as zmq from 'zeromq';
import { DynpipeError } from '../errors.js';
import { checkIndex, checkTimeout } from './checks.js';
import { type CodecLimits, DEFAULT_CODEC_LIMITS, type ExtraValue, type Message, type MessageKind, decodeMessage, encodeMessage, maxFrameBytes } from './codec.js';
import { checkBindAddress, claimIpcPath, parseEndpoint, releaseIpcPath } from './endpoints.js';
import type { CurveKeys } from './curve-keys.js';
import { curveClientOptions, curveServerOptions, reportHandshakeFailures } from './curve.js';
import { admitCurveKey } from './zap.js';
import { type MatchKey, Mailbox, matchKeyString } from './mailbox.js';
import { SendChain } from './send-chain.js';
import { type SendDelay, delayMs, noDelay } from './send-delay.js';
import type { WireTensor } from './tensor.js';

/** A check on an arrived message of one kind: a reason to reject it, or undefined to accept. */
export type Expectation = (message: Message) => string | undefined;

export interface DataPlaneOptions {
  rank: number;
  /** Where the PULL socket binds, e.g. `tcp://127.0.0.1:*` or an ipcEndpoint(). */
  bindAddress: string;
  /**
   * More addresses the same PULL socket also binds (e.g. an ipc path beside a tcp port, so peers on
   * this host can use ipc and others tcp). Arrivals from every address share one mailbox.
   */
  alsoBind?: readonly string[];
  planVersion: number;
  /** Receives every rejected message's error (already counted); must not throw. */
  onReject: (err: DynpipeError) => void;
  allowAllInterfaces?: boolean;
  /** Unclaimed messages kept before reading pauses (default 64). */
  mailboxCapacity?: number;
  /** Delivered keys remembered to refuse replays (default 4096). */
  dedupWindow?: number;
  /** ZeroMQ high-water marks, in messages (default 8 each). */
  sendHighWaterMark?: number;
  receiveHighWaterMark?: number;
  /** Kernel socket buffer (SO_SNDBUF/SO_RCVBUF) in bytes for every socket; default: the OS's. */
  socketBufferBytes?: number;
  /** Deadline of send() when the call names none (default 60 s). */
  sendTimeoutMs?: number;
  limits?: Partial<CodecLimits>;
  expect?: Partial<Record<MessageKind, Expectation>>;
  sendDelay?: SendDelay;
  /** The job's CURVE key pair: authenticate and encrypt every connection (default: none). */
  curve?: CurveKeys;
}

export interface SendHeader {
  kind: MessageKind;
  mb: number;
  tag?: number;
  extra?: Record<string, ExtraValue>;
}

export type RecvMatch = Omit<MatchKey, 'tag'> & { tag?: number };

export interface DataPlaneStats {
  sent: number;
  received: number;
  rejected: number;
  buffered: number;
}

interface Peer {
  endpoint: string;
  socket: zmq.Push;
  chain: SendChain;
}

interface PendingRecv {
  cancel: () => void;
  timer: NodeJS.Timeout;
  reject: (e: Error) => void;
}

export class DataPlane {
  private readonly peers = new Map<number, Peer>();
  private readonly pending = new Set<PendingRecv>();
  private readonly mailbox: Mailbox<Message>;
  private readonly limits: CodecLimits;
  private readonly aborter = new AbortController();
  private version: number;
  private sendDelay: SendDelay;
  private readLoop: Promise<void> = Promise.resolve();
  private closed = false;
  /** Set if the receive socket fails other than by close(): no message can arrive any more. */
  private broken: DynpipeError | undefined;
  private counts = { sent: 0, received: 0, rejected: 0 };
  private releaseZap: (() => Promise<void>) | undefined;

  private constructor(
    private readonly opts: DataPlaneOptions,
    private readonly pull: zmq.Pull,
    /** The bound address with any ephemeral port resolved: what peers connect to. */
    readonly endpoint: string,
    /** The `alsoBind` addresses as bound, in the same order. */
    readonly alsoEndpoints: readonly string[],
    mailbox: Mailbox<Message>,
  ) {
    this.version = opts.planVersion;
    this.sendDelay = opts.sendDelay ?? noDelay;
    this.limits = { ...DEFAULT_CODEC_LIMITS, ...opts.limits };
    this.mailbox = mailbox;
  }

  /** Binds the receive socket and starts reading. Throws E_USAGE on a bad address or options. */
  static async open(opts: DataPlaneOptions): Promise<DataPlane> {
    checkIndex(opts.rank, 'rank');
    checkIndex(opts.planVersion, 'plan version');
    for (const key of ['sendHighWaterMark', 'receiveHighWaterMark', 'socketBufferBytes'] as const) {
      if (opts[key] !== undefined) checkIndex(opts[key], key);
    }
    const mailbox = new Mailbox<Message>(opts.mailboxCapacity ?? 64, opts.dedupWindow ?? 4096);
    const addresses = [opts.bindAddress, ...(opts.alsoBind ?? [])];
    for (const address of addresses) checkBindAddress(address, opts.allowAllInterfaces);
    const limits = { ...DEFAULT_CODEC_LIMITS, ...opts.limits };
    const releaseZap = opts.curve ? await admitCurveKey(opts.curve.publicKey) : undefined;
    const pull = new zmq.Pull({ receiveHighWaterMark: opts.receiveHighWaterMark ?? 8, linger: 0, maxMessageSize: maxFrameBytes(limits), receiveBufferSize: opts.socketBufferBytes ?? -1, ...curveServerOptions(opts.curve) });
    const bound: string[] = [];
    for (const address of addresses) {
      try {
        await claimIpcPath(address);
        await pull.bind(address);
      } catch (e) {
        pull.close();
        for (const b of bound) releaseIpcPath(b);
        await releaseZap?.();
        if (e instanceof DynpipeError) throw e;
        throw new DynpipeError('E_USAGE', `rank ${opts.rank}: cannot bind '${address}': ${(e as Error).message}`, { cause: e });
      }
      bound.push(pull.lastEndpoint ?? address);
    }
    const plane = new DataPlane(opts, pull, bound[0], bound.slice(1), mailbox);
    plane.releaseZap = releaseZap;
    if (opts.curve) reportHandshakeFailures(pull, `rank ${opts.rank}`, (line) => plane.report(new DynpipeError('E_MESSAGE', line)));
    plane.readLoop = plane.read();
    return plane;
  }

  get rank(): number {
    return this.opts.rank;
  }

  get planVersion(): number {
    return this.version;
  }

  get stats(): DataPlaneStats {
    return { ...this.counts, buffered: this.mailbox.size };
  }

  /** Opens the PUSH socket to `rank` at `endpoint`; idempotent for the same endpoint. */
  connect(rank: number, endpoint: string): void {
    this.checkOpen();
    checkIndex(rank, 'peer rank');
    parseEndpoint(endpoint, `endpoint of rank ${rank}`);
    const known = this.peers.get(rank);
    if (known) {
      if (known.endpoint === endpoint) return;
      throw new DynpipeError('E_USAGE', `rank ${this.rank}: rank ${rank} is already connected at '${known.endpoint}', not '${endpoint}'`);
    }
    const socket = new zmq.Push({ sendHighWaterMark: this.opts.sendHighWaterMark ?? 8, linger: 0, sendBufferSize: this.opts.socketBufferBytes ?? -1, ...curveClientOptions(this.opts.curve) });
    socket.connect(endpoint);
    this.peers.set(rank, { endpoint, socket, chain: new SendChain() });
  }

  /** Moves to plan version `v`: buffered messages of other versions are rejected, keys may repeat. */
  setPlanVersion(v: number): void {
    checkIndex(v, 'plan version');
    this.version = v;
    this.mailbox.forgetDelivered();
    for (const m of this.mailbox.drop((m) => m.header.planVersion !== v)) {
      this.reject(m, `stale: plan version ${m.header.planVersion}, now ${v}`);
    }
  }

  /** Installs the interference hook consulted before every send (undefined = none). */
  setSendDelay(delay: SendDelay | undefined): void {
    this.sendDelay = delay ?? noDelay;
  }

  /**
   * Sends `tensor` to `toRank`. Resolves once queued; waits while the peer is at its high-water mark.
   * The deadline covers waiting behind earlier sends, the injected delay and the high-water mark.
   */
  async send(toRank: number, header: SendHeader, tensor: WireTensor, timeoutMs = this.opts.sendTimeoutMs ?? 60_000): Promise<void> {
    this.checkOpen();
    checkTimeout(timeoutMs);
    const peer = this.peers.get(toRank);
    if (!peer) throw new DynpipeError('E_PEER_FAILED', `rank ${this.rank}: cannot send to rank ${toRank}: not connected`);
    const full = { kind: header.kind, mb: header.mb, tag: header.tag ?? 0, fromRank: this.rank, toRank, planVersion: this.version, extra: header.extra };
    const frames = encodeMessage(full, tensor);
    const deadline = Date.now() + timeoutMs;
    const what = `'${header.kind}' ${position(full)} to rank ${toRank}`;
    const timeout = () => new DynpipeError('E_PEER_TIMEOUT', `rank ${this.rank}: ${what} not accepted within ${timeoutMs} ms (peer not reading?)`);
    await peer.chain.runWithin(() => this.transmit(peer, toRank, frames, deadline, what, timeout), timeoutMs, timeout);
  }

  /** The message matching `match` (tag defaults to 0), from the mailbox or when it arrives. */
  recv(match: RecvMatch, timeoutMs: number): Promise<Message> {
    this.checkOpen();
    checkTimeout(timeoutMs);
    const key = { ...match, tag: match.tag ?? 0 };
    const id = matchKeyString(key);
    const ready = this.mailbox.take(id);
    if (ready) return Promise.resolve(ready);
    if (this.broken) return Promise.reject(this.broken);
    const started = Date.now();
    return new Promise<Message>((resolve, reject) => {
      const entry: PendingRecv = {
        reject,
        cancel: this.mailbox.wait(id, (m) => {
          clearTimeout(entry.timer);
          this.pending.delete(entry);
          resolve(m);
        }),
        timer: setTimeout(() => {
          entry.cancel();
          this.pending.delete(entry);
          reject(this.recvTimeout(key, Date.now() - started));
        }, timeoutMs),
      };
      this.pending.add(entry);
    });
  }

  /**
   * Closes every socket, fails pending sends and receives, removes an ipc file. Idempotent.
   * `lingerMs` (default 0: drop) lets messages already handed to ZeroMQ still reach their peers:
   * a rank that finished normally must not drop its last gradient, which its neighbour still awaits.
   */
  async close(opts: { lingerMs?: number } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.aborter.abort();
    this.failPending(new DynpipeError('E_PEER_FAILED', `rank ${this.rank}: data plane closed`));
    for (const peer of this.peers.values()) {
      if (opts.lingerMs) peer.socket.linger = opts.lingerMs;
      peer.socket.close();
    }
    this.peers.clear();
    this.pull.close();
    await this.readLoop;
    await this.releaseZap?.();
    for (const e of [this.endpoint, ...this.alsoEndpoints]) releaseIpcPath(e);
  }

  private async transmit(peer: Peer, toRank: number, frames: Buffer[], deadline: number, what: string, timeout: () => DynpipeError): Promise<void> {
    this.checkOpen();
    const wait = delayMs(this.sendDelay, toRank, frames[0].byteLength + frames[1].byteLength);
    if (wait > 0) await sleep(Math.min(wait, Math.max(0, deadline - Date.now())), undefined, { signal: this.aborter.signal }).catch(() => this.checkOpen());
    const remaining = Math.ceil(deadline - Date.now());
    if (remaining <= 0) throw timeout();
    peer.socket.sendTimeout = remaining;
    try {
      await peer.socket.send(frames);
    } catch (e) {
      this.checkOpen();
      if ((e as { code?: string }).code === 'EAGAIN') throw timeout();
      throw new DynpipeError('E_PEER_FAILED', `rank ${this.rank}: sending ${what} failed: ${(e as Error).message}`, { cause: e });
    }
    this.counts.sent++;
  }

  private async read(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.aborter.signal.addEventListener('abort', () => resolve()));
    while (!this.closed) {
      if (this.mailbox.isFull) {
        await Promise.race([this.mailbox.whenNotFull(), closed]);
        continue;
      }
      let frames: Buffer[];
      try {
        frames = await this.pull.receive();
      } catch (e) {
        // close() ends the receive; anything else leaves this rank deaf, so every wait must fail now.
        if (this.closed) return;
        this.broken = new DynpipeError('E_PEER_FAILED', `rank ${this.rank}: receive socket failed: ${(e as Error).message}`, { cause: e });
        this.failPending(this.broken);
        return;
      }
      this.accept(frames);
    }
  }

  private failPending(err: DynpipeError): void {
    for (const p of this.pending) {
      clearTimeout(p.timer);
      p.cancel();
      p.reject(err);
    }
    this.pending.clear();
  }

  private accept(frames: Buffer[]): void {
    let m: Message;
    try {
      m = decodeMessage(frames, this.limits);
    } catch (e) {
      this.report(new DynpipeError('E_MESSAGE', `rank ${this.rank}: rejected message: ${(e as Error).message}`));
      return;
    }
    const h = m.header;
    if (h.toRank !== this.rank) return this.reject(m, `addressed to rank ${h.toRank}`);
    if (h.planVersion !== this.version) return this.reject(m, `plan version ${h.planVersion}, this rank is at ${this.version}`);
    const reason = this.opts.expect?.[h.kind]?.(m);
    if (reason !== undefined) return this.reject(m, reason);
    if (this.mailbox.offer(matchKeyString(h), m) === 'duplicate') return this.reject(m, 'duplicate of a message already received');
    this.counts.received++;
  }

  private reject(m: Message, reason: string): void {
    const h = m.header;
    this.report(new DynpipeError('E_MESSAGE', `rank ${this.rank}: rejected '${h.kind}' ${position(h)} from rank ${h.fromRank}: ${reason}`));
  }

  private report(err: DynpipeError): void {
    this.counts.rejected++;
    try {
      this.opts.onReject(err);
    } catch {
      // A failing logger must not stop the reader loop; the rejection is counted either way.
    }
  }

  private recvTimeout(k: MatchKey, waitedMs: number): DynpipeError {
    const full = this.mailbox.isFull ? `; mailbox full with ${this.mailbox.size} unclaimed messages, reading paused` : '';
    return new DynpipeError('E_PEER_TIMEOUT', `rank ${this.rank}: no '${k.kind}' for ${position(k)} from rank ${k.fromRank} after ${waitedMs} ms${full}`);
  }

  private checkOpen(): void {
    if (this.closed) throw new DynpipeError('E_PEER_FAILED', `rank ${this.rank}: data plane closed`);
  }
}

/** "micro-batch 3", "micro-batch 3 tag 1", or for all-reduce chunks "step 12 tag 1". */
function position(k: { kind: MessageKind; mb: number; tag: number }): string {
  return `${k.kind === 'allreduce' ? 'step' : 'micro-batch'} ${k.mb}${k.tag ? ` tag ${k.tag}` : ''}`;
}
