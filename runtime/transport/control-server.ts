/**
 * The coordinator's end of the control channel: one ROUTER socket; each rank connects a DEALER
 * whose routing identity is its rank ("0", "1", ...). Rendezvous:
 *
 *   rank r ──register {rank r, endpoint, host, pid}──▶ coordinator      (every rank 0..N-1)
 *   rank r ◀──────────peers {endpoints by rank}─────── coordinator      (once all N registered)
 *
 * Every received frame is validated (control-messages.ts); a malformed, misaddressed or misdirected
 * message goes to `onReject`, is counted and dropped: it never ends the reader loop. Heartbeats only
 * refresh `lastHeard`. Every wait takes a deadline (E_PEER_TIMEOUT naming who was awaited).
 *
 * Besides the ranks, short-lived admin clients (`dynpipe repartition`, identity `admin-<id>`) may
 * send admin messages; they queue separately (`nextAdmin`) and get their answer with `replyAdmin`.
 * A restarted rank (dynpipe-re) connects with its old identity: the ROUTER hands it over to the new
 * connection.
 */
import * as zmq from 'zeromq';
import { DynpipeError } from '../errors.js';
import { checkTimeout } from './checks.js';
import {
  ADMIN_IDENTITY, ADMIN_MESSAGE_TYPES, type AdminMessage, type AdminReply, type ControlMessage, type ControlOf, type ControlType, type CoordinatorMessage,
  type HostEntry, MAX_CONTROL_BYTES, RANK_MESSAGE_TYPES, type RankMessage, decodeControl, encodeControl,
} from './control-messages.js';
import { checkBindAddress, claimIpcPath, releaseIpcPath } from './endpoints.js';
import type { CurveKeys } from './curve-keys.js';
import { curveServerOptions, reportHandshakeFailures } from './curve.js';
import { admitCurveKey } from './zap.js';
import { Inbox } from './inbox.js';
import { SendChain } from './send-chain.js';

export interface FromRank<T extends ControlType = ControlType> {
  rank: number;
  message: ControlOf<T>;
}

/** A request from an admin client; answer it with `replyAdmin(identity, ...)`. */
export interface FromAdmin {
  identity: string;
  message: AdminMessage;
}

export interface ControlServerOptions {
  bindAddress: string;
  onReject: (err: DynpipeError) => void;
  allowAllInterfaces?: boolean;
  /** Queued messages kept before new ones are dropped (default 1024). */
  capacity?: number;
  /** The job's CURVE key pair: only ranks holding it can connect (default: none). */
  curve?: CurveKeys;
}

export interface RegisterInfo {
  endpoint: string;
  host: string;
  pid: number;
  /** A second address of the rank's data socket, for ranks on its host. */
  ipcEndpoint?: string;
  hostId?: HostEntry['hostId'];
}

/** Called once every rank has registered, before the peer table goes out; throws to refuse the job. */
export type RendezvousCheck = (registered: ReadonlyMap<number, RegisterInfo>) => void;

/** Messages are queued by arrival and taken by type. */
export class ControlServer {
  private readonly inbox: Inbox<FromRank>;
  private readonly admin = new Inbox<FromAdmin>(16);
  private readonly chain = new SendChain();
  private readonly heard = new Map<number, number>();
  private readLoop: Promise<void> = Promise.resolve();
  private closed = false;
  private rejectedCount = 0;
  private releaseZap: (() => Promise<void>) | undefined;

  private constructor(
    private readonly opts: ControlServerOptions,
    private readonly router: zmq.Router,
    readonly endpoint: string,
    inbox: Inbox<FromRank>,
  ) {
    this.inbox = inbox;
  }

  /** Messages rejected or dropped so far (each also went to onReject). */
  get rejected(): number {
    return this.rejectedCount;
  }

  static async open(opts: ControlServerOptions): Promise<ControlServer> {
    const inbox = new Inbox<FromRank>(opts.capacity ?? 1024);
    checkBindAddress(opts.bindAddress, opts.allowAllInterfaces);
    await claimIpcPath(opts.bindAddress);
    const releaseZap = opts.curve ? await admitCurveKey(opts.curve.publicKey) : undefined;
    const router = new zmq.Router({ mandatory: true, handover: true, linger: 0, maxMessageSize: MAX_CONTROL_BYTES, ...curveServerOptions(opts.curve) });
    try {
      await router.bind(opts.bindAddress);
    } catch (e) {
      router.close();
      await releaseZap?.();
      throw new DynpipeError('E_USAGE', `coordinator: cannot bind '${opts.bindAddress}': ${(e as Error).message}`, { cause: e });
    }
    const server = new ControlServer(opts, router, router.lastEndpoint ?? opts.bindAddress, inbox);
    server.releaseZap = releaseZap;
    if (opts.curve) reportHandshakeFailures(router, 'coordinator', (line) => server.report(line));
    server.readLoop = server.read();
    return server;
  }

  /** Date.now() of the last valid message from `rank`, heartbeats included. */
  lastHeard(rank: number): number | undefined {
    return this.heard.get(rank);
  }

  /** The oldest queued message of one of `types`, waiting up to `timeoutMs`. */
  next<T extends ControlType>(types: readonly T[], timeoutMs: number): Promise<FromRank<T>> {
    checkTimeout(timeoutMs);
    const taken = this.inbox.take(
      (m): m is FromRank => (types as readonly ControlType[]).includes(m.message.type),
      timeoutMs,
      (waited) => new DynpipeError('E_PEER_TIMEOUT', `coordinator: no ${types.join('/')} message from any rank after ${waited} ms`),
    );
    // The predicate admitted only messages whose type is in `types`, which TS cannot follow through T.
    return taken as Promise<unknown> as Promise<FromRank<T>>;
  }

  /** Sends to one rank; E_PEER_FAILED if it is not connected, E_PEER_TIMEOUT past the deadline. */
  async send(rank: number, message: CoordinatorMessage, timeoutMs: number): Promise<void> {
    await this.sendTo(String(rank), `rank ${rank}`, message, timeoutMs);
  }

  /** The oldest queued admin request, waiting up to `timeoutMs`. */
  nextAdmin(timeoutMs: number): Promise<FromAdmin> {
    checkTimeout(timeoutMs);
    return this.admin.take((_m): _m is FromAdmin => true, timeoutMs, (waited) => new DynpipeError('E_PEER_TIMEOUT', `coordinator: no admin request after ${waited} ms`));
  }

  /** Answers the admin client `identity` (which may have given up and gone: then E_PEER_FAILED). */
  async replyAdmin(identity: string, reply: AdminReply, timeoutMs: number): Promise<void> {
    await this.sendTo(identity, `admin client ${identity}`, reply, timeoutMs);
  }

  private async sendTo(identity: string, who: string, message: CoordinatorMessage | AdminReply, timeoutMs: number): Promise<void> {
    this.checkOpen();
    checkTimeout(timeoutMs);
    const body = encodeControl(message);
    const deadline = Date.now() + timeoutMs;
    try {
      await this.chain.run(() => {
        this.router.sendTimeout = Math.max(1, Math.ceil(deadline - Date.now()));
        return this.router.send([identity, body]);
      });
    } catch (e) {
      this.checkOpen();
      const code = (e as { code?: string }).code;
      if (code === 'EHOSTUNREACH') throw new DynpipeError('E_PEER_FAILED', `coordinator: ${who} is not connected (cannot send '${message.type}')`);
      if (code === 'EAGAIN') throw new DynpipeError('E_PEER_TIMEOUT', `coordinator: ${who} did not take '${message.type}' within ${timeoutMs} ms`);
      throw new DynpipeError('E_PEER_FAILED', `coordinator: sending '${message.type}' to ${who} failed: ${(e as Error).message}`, { cause: e });
    }
  }

  /**
   * Waits until ranks 0..worldSize-1 have all registered, then sends each the `peers` table.
   * A later register from the same rank replaces the earlier one; a rank outside the world, or an
   * endpoint already claimed by another rank, is rejected. `check` may refuse the complete set (its
   * error is thrown and no table is sent). Returns the registrations by rank.
   */
  async rendezvous(worldSize: number, timeoutMs: number, check?: RendezvousCheck): Promise<Map<number, RegisterInfo>> {
    checkTimeout(timeoutMs);
    const deadline = Date.now() + timeoutMs;
    const registered = new Map<number, RegisterInfo>();
    while (registered.size < worldSize) {
      let got: FromRank<'register'>;
      try {
        got = await this.next(['register'], Math.max(1, deadline - Date.now()));
      } catch (e) {
        if (!(e instanceof DynpipeError) || e.code !== 'E_PEER_TIMEOUT') throw e;
        const missing = [...Array(worldSize).keys()].filter((r) => !registered.has(r));
        throw new DynpipeError('E_PEER_TIMEOUT', `coordinator: rendezvous incomplete after ${timeoutMs} ms: ${registered.size} of ${worldSize} ranks registered, missing [${missing.join(', ')}]`);
      }
      const { rank, message } = got;
      const clash = [...registered].find(([r, info]) => r !== rank && info.endpoint === message.endpoint);
      if (rank >= worldSize) this.report(`coordinator: rejected register from rank ${rank}: world size is ${worldSize}`);
      else if (clash) this.report(`coordinator: rejected register from rank ${rank}: endpoint '${message.endpoint}' is rank ${clash[0]}'s`);
      else registered.set(rank, registerInfo(message));
    }
    check?.(registered);
    const endpoints = Object.fromEntries([...registered].map(([r, info]) => [String(r), info.endpoint]));
    const hosts = Object.fromEntries(
      [...registered].flatMap(([r, { hostId, ipcEndpoint }]) => (hostId ? [[String(r), { hostId, ...(ipcEndpoint ? { ipcEndpoint } : {}) }]] : [])),
    );
    const table: CoordinatorMessage = Object.keys(hosts).length > 0 ? { type: 'peers', endpoints, hosts } : { type: 'peers', endpoints };
    for (const rank of registered.keys()) await this.send(rank, table, Math.max(1, deadline - Date.now()));
    return registered;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.inbox.fail(new DynpipeError('E_PEER_FAILED', 'coordinator: control channel closed'));
    this.admin.fail(new DynpipeError('E_PEER_FAILED', 'coordinator: control channel closed'));
    this.router.close();
    await this.readLoop;
    await this.releaseZap?.();
    releaseIpcPath(this.endpoint);
  }

  private async read(): Promise<void> {
    for (;;) {
      let frames: Buffer[];
      try {
        frames = await this.router.receive();
      } catch {
        return; // closed
      }
      this.accept(frames);
    }
  }

  private accept(frames: Buffer[]): void {
    const id = frames[0].toString('latin1');
    if (ADMIN_IDENTITY.test(id)) return this.acceptAdmin(id, frames);
    const rank = /^(0|[1-9]\d{0,6})$/.test(id) ? Number(id) : undefined;
    const from = rank === undefined ? `a peer with identity ${JSON.stringify(id.slice(0, 16))}` : `rank ${rank}`;
    if (rank === undefined) return this.report(`coordinator: rejected message from ${from}: identity is not a rank`);
    const message = this.decodeBody(frames, from);
    if (message === undefined) return;
    if (!RANK_MESSAGE_TYPES.includes(message.type)) return this.report(`coordinator: rejected '${message.type}' from ${from}: only the coordinator sends it`);
    const claimed = (message as RankMessage).rank;
    if (claimed !== rank) return this.report(`coordinator: rejected '${message.type}' from ${from}: it claims to be rank ${claimed}`);
    this.heard.set(rank, Date.now());
    if (message.type === 'heartbeat') return;
    if (!this.inbox.push({ rank, message })) this.report(`coordinator: dropped '${message.type}' from ${from}: ${this.inbox.capacity} messages already queued`);
  }

  /** The one body frame decoded, or undefined after reporting why it was rejected (`from` names the sender). */
  private decodeBody(frames: Buffer[], from: string): ControlMessage | undefined {
    if (frames.length !== 2) {
      this.report(`coordinator: rejected message from ${from}: expected 1 body frame, got ${frames.length - 1}`);
      return undefined;
    }
    try {
      return decodeControl(frames[1]);
    } catch (e) {
      this.report(`coordinator: rejected message from ${from}: ${(e as Error).message}`);
      return undefined;
    }
  }

  private acceptAdmin(identity: string, frames: Buffer[]): void {
    const from = `admin client ${identity}`;
    const message = this.decodeBody(frames, from);
    if (message === undefined) return;
    if (!ADMIN_MESSAGE_TYPES.includes(message.type)) return this.report(`coordinator: rejected '${message.type}' from ${from}: admin clients may only send ${ADMIN_MESSAGE_TYPES.join(', ')}`);
    if (!this.admin.push({ identity, message: message as AdminMessage })) this.report(`coordinator: dropped '${message.type}' from ${from}: ${this.admin.capacity} admin requests already queued`);
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
    if (this.closed) throw new DynpipeError('E_PEER_FAILED', 'coordinator: control channel closed');
  }
}

/** The register message's fields, without optional ones it did not carry. */
function registerInfo(m: ControlOf<'register'>): RegisterInfo {
  return {
    endpoint: m.endpoint,
    host: m.host,
    pid: m.pid,
    ...(m.ipcEndpoint !== undefined ? { ipcEndpoint: m.ipcEndpoint } : {}),
    ...(m.hostId !== undefined ? { hostId: m.hostId } : {}),
  };
}
