/**
 * The coordinator: rendezvous (every rank registers its data endpoint and gets everyone's), the
 * collection of per-microbatch stats, failure detection and the end of the run.
 *
 * Failure rule: an `error` from any rank, a rank silent for longer than `heartbeatTimeoutMs`, or an
 * external `fail()` (the launcher saw a process die) ends the run: every rank still running gets a
 * `shutdown` naming the cause, and `run()` rejects with E_PEER_FAILED naming the first failure.
 */
import { DynpipeError } from '../errors.js';
import { ControlServer } from '../transport/control.js';
import type { ControlOf } from '../transport/control-messages.js';
import type { CurveKeys } from '../transport/curve-keys.js';
import type { CheckpointCollector } from './checkpoint-collector.js';
import type { Plan } from '../plan/plan.js';
import { numStages, stageOfRank, worldSize } from '../plan/plan.js';

export interface RankStats {
  mb: number;
  stage: number;
  time_ms: number;
  forward_ms: number;
  backward_ms: number;
  recv_wait_ms: number;
  send_wait_ms: number;
  optimizer_ms: number;
  rows: number;
  loss?: number;
}

export interface CoordinatorOptions {
  bindAddress: string;
  plan: Plan;
  numMinibatches: number;
  /** A resumed job starts at this microbatch (default 0). */
  startMicrobatch?: number;
  rendezvousTimeoutMs: number;
  heartbeatTimeoutMs: number;
  /** The job's CURVE key pair: only ranks holding it can connect. */
  curve?: CurveKeys;
  /** Let `bindAddress` name all interfaces (0.0.0.0); refused otherwise. */
  allowAllInterfaces?: boolean;
  /** Commits checkpoint sets as ranks report their files (absent: reports are ignored, with a warning). */
  checkpoints?: CheckpointCollector;
  onStats?(rank: number, stats: RankStats): void;
  onRendezvous?(): void;
  say(line: string): void;
  now(): number;
}

export interface RunSummary {
  seconds: number;
  microbatches: number;
  samplesPerS: number;
  /** Per rank: compute (forward + backward + optimizer) time / wall time of the run. */
  busyFraction: number[];
  /** Mean loss over the last stage's final 10% of microbatches (replicas weighted by rows). */
  finalLoss?: number;
}

export class Coordinator {
  private failure: DynpipeError | undefined;
  private wake: (() => void) | undefined;
  private warnedNoCheckpoints = false;

  private constructor(
    private readonly o: CoordinatorOptions,
    private readonly server: ControlServer,
  ) {}

  static async open(o: CoordinatorOptions): Promise<Coordinator> {
    const server = await ControlServer.open({ bindAddress: o.bindAddress, onReject: (e) => o.say(e.message), curve: o.curve, allowAllInterfaces: o.allowAllInterfaces });
    return new Coordinator(o, server);
  }

  /** The control endpoint ranks connect to (ephemeral port resolved). */
  get endpoint(): string {
    return this.server.endpoint;
  }

  /** Ends the run from outside (e.g. a rank's process died); run() rejects with this reason. */
  fail(reason: string): void {
    this.failure ??= new DynpipeError('E_PEER_FAILED', reason);
    this.wake?.();
  }

  async run(): Promise<RunSummary> {
    const { plan, numMinibatches } = this.o;
    const n = worldSize(plan);
    const rendezvous = this.server.rendezvous(n, this.o.rendezvousTimeoutMs);
    await Promise.race([rendezvous, this.failed()]);
    this.o.onRendezvous?.();
    const t0 = this.o.now();
    const busy = new Array<number>(n).fill(0);
    const done = new Set<number>();
    const lastStage = numStages(plan) - 1;
    const tail: Array<{ mb: number; loss: number; rows: number }> = [];
    try {
      while (done.size < n) {
        if (this.failure) throw this.failure;
        let got;
        try {
          got = await Promise.race([this.server.next(['stats', 'done', 'error', 'checkpointed'], 250), this.failed()]);
        } catch (e) {
          if (e instanceof DynpipeError && e.code === 'E_PEER_TIMEOUT') {
            this.checkHeartbeats(done, n);
            continue;
          }
          throw e;
        }
        const { rank, message } = got;
        if (message.type === 'error') this.fail(`rank ${rank} (stage ${stageOfRank(plan, rank)}) failed: ${message.message}`);
        else if (message.type === 'done') done.add(rank);
        else if (message.type === 'checkpointed') await this.checkpointed(rank, message);
        else {
          const s = message.stats as unknown as RankStats;
          busy[rank] += (s.forward_ms ?? 0) + (s.backward_ms ?? 0) + (s.optimizer_ms ?? 0);
          if (s.stage === lastStage && typeof s.loss === 'number' && s.mb >= numMinibatches * 0.9) tail.push({ mb: s.mb, loss: s.loss, rows: s.rows });
          this.o.onStats?.(rank, s);
        }
        this.checkHeartbeats(done, n);
      }
    } catch (e) {
      await this.shutdownAll(done, n, (e as Error).message);
      throw e;
    }
    const ms = Math.max(1e-9, this.o.now() - t0);
    const rows = tail.reduce((s, t) => s + t.rows, 0);
    return {
      seconds: ms / 1000,
      microbatches: numMinibatches - (this.o.startMicrobatch ?? 0),
      samplesPerS: ((numMinibatches - (this.o.startMicrobatch ?? 0)) * plan.microbatch_size * 1000) / ms,
      busyFraction: busy.map((b) => b / ms),
      ...(rows > 0 ? { finalLoss: tail.reduce((s, t) => s + t.loss * t.rows, 0) / rows } : {}),
    };
  }

  async close(): Promise<void> {
    await this.server.close();
  }

  private async checkpointed(rank: number, message: ControlOf<'checkpointed'>): Promise<void> {
    if (this.o.checkpoints) {
      await this.o.checkpoints.offer(rank, message);
    } else if (!this.warnedNoCheckpoints) {
      this.warnedNoCheckpoints = true;
      this.o.say(`coordinator: rank ${rank} wrote a checkpoint, but the coordinator has no --checkpoint-dir: no set will be completed`);
    }
  }

  private failed(): Promise<never> {
    return new Promise<never>((_, reject) => {
      const check = () => (this.failure ? reject(this.failure) : undefined);
      this.wake = check;
      check();
    });
  }

  private checkHeartbeats(done: ReadonlySet<number>, n: number): void {
    const now = Date.now();
    for (let r = 0; r < n; r++) {
      if (done.has(r)) continue;
      const heard = this.server.lastHeard(r);
      if (heard !== undefined && now - heard > this.o.heartbeatTimeoutMs) {
        this.fail(`rank ${r} stopped responding (no heartbeat for ${now - heard} ms)`);
        return;
      }
    }
  }

  private async shutdownAll(done: ReadonlySet<number>, n: number, reason: string): Promise<void> {
    const sends = [];
    for (let r = 0; r < n; r++) if (!done.has(r)) sends.push(this.server.send(r, { type: 'shutdown', reason: reason.slice(0, 900) }, 1000).catch(() => undefined));
    await Promise.all(sends);
  }
}
