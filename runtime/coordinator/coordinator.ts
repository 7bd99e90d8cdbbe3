/**
 * The coordinator: rendezvous (every rank registers its data endpoint and gets everyone's), the
 * collection of per-microbatch stats, failure detection, plan changes and the end of the run.
 *
 * Failure rule: an `error` from any rank, a rank silent for longer than `heartbeatTimeoutMs`, or an
 * external `fail()` (the launcher saw a process die) ends the run: every rank still running gets a
 * `shutdown` naming the cause, and `run()` rejects with E_PEER_FAILED naming the first failure
 * (during a plan change the message also names its phase and whether its checkpoint is complete).
 *
 * Plan changes (modes other than pipedream) come from three sources, one at a time, in this
 * order: scripted changes (`--repartition-at`), admin requests (`dynpipe repartition`) and the
 * policy's decisions (policy-runner.ts, once per window). Each runs as a CutoverDriver; a live
 * change continues the same processes, a restart change (dynpipe-re) asks `restart` to replace
 * every rank process and rendezvouses again.
 *
 * Checkpoints (`checkpoints`): ranks report their files of periodic sets ('checkpointed') and the
 * collector completes each set; the set of a plan change's cut is committed through it too.
 */
import { DynpipeError, isDynpipeError } from '../errors.js';
import { ControlServer, type FromAdmin } from '../transport/control.js';
import type { ControlOf } from '../transport/control-messages.js';
import type { CurveKeys } from '../transport/curve-keys.js';
import type { CheckpointCollector } from './checkpoint-collector.js';
import { type Plan, inFlight, numStages, stageOfRank, validatePlan, worldSize } from '../plan/plan.js';
import { checkReplaceable } from '../migration/plan-diff.js';
import type { RankStats } from './rank-stats.js';
import { type ChangeKind, CutoverDriver, type CutoverOutcome } from './cutover-driver.js';
import type { PolicyRunner } from './policy-runner.js';
import { checkRendezvous } from './rendezvous-check.js';

export type { RankStats } from './rank-stats.js';

export interface RestartRequest {
  plan: Plan;
  planVersion: number;
  /** The complete checkpoint of the cut. */
  checkpoint: string;
  cutAt: number;
}

export interface PlanChanges {
  kind: ChangeKind;
  /** Decides once per window; absent: only scripted and admin changes. */
  policy?: PolicyRunner;
  /** Changes at fixed microbatches, applied in order from the start. */
  scripted?: ReadonlyArray<{ atMicrobatch: number; plan: Plan }>;
  /** Deadline of each phase of a change. */
  timeoutMs: number;
  /** Restart changes: replace every rank process (new plan, --resume); resolves once spawned. */
  restart?(r: RestartRequest): Promise<void>;
  onChange?(c: ChangeRecord): void;
}

export interface ChangeRecord {
  planVersion: number;
  source: 'scripted' | 'admin' | 'policy';
  fromPartition: number[];
  toPartition: number[];
  /** The plan moved to (its partition is `toPartition`). */
  plan: Plan;
  cutAt: number;
  /** Stage 0 drained under the old plan -> every rank ready under the new one (coordinator's clock). */
  pauseMs: number;
  timeMs: number;
}

export interface CoordinatorOptions {
  bindAddress: string;
  plan: Plan;
  numMinibatches: number;
  /** A resumed job starts here, at this plan version (default 0 and 0). */
  startMicrobatch?: number;
  planVersion?: number;
  rendezvousTimeoutMs: number;
  heartbeatTimeoutMs: number;
  /** Absent: pipedream mode, a static plan. */
  changes?: PlanChanges;
  /** The job's CURVE key pair: only ranks holding it can connect. */
  curve?: CurveKeys;
  /** Let `bindAddress` name all interfaces (0.0.0.0); refused otherwise. */
  allowAllInterfaces?: boolean;
  /**
   * Commits checkpoint sets: periodic ones as ranks report their files, and each plan change's cut
   * (required for restart changes). Absent: reports are ignored, with a warning.
   */
  checkpoints?: CheckpointCollector;
  onStats?(rank: number, stats: RankStats): void;
  onRendezvous?(): void;
  say(line: string): void;
  /** The job clock (ms). */
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
  changes: ChangeRecord[];
}

type ChangeSource = { source: 'scripted' } | { source: 'policy' } | { source: 'admin'; identity: string };

export class Coordinator {
  private failure: DynpipeError | undefined;
  private wake: (() => void) | undefined;
  private readonly admin: FromAdmin[] = [];
  private closed = false;
  private warnedNoCheckpoints = false;

  private constructor(
    private readonly o: CoordinatorOptions,
    private readonly server: ControlServer,
  ) {}

  static async open(o: CoordinatorOptions): Promise<Coordinator> {
    const server = await ControlServer.open({ bindAddress: o.bindAddress, onReject: (e) => o.say(e.message), curve: o.curve, allowAllInterfaces: o.allowAllInterfaces });
    return new Coordinator(o, server);
  }

  /** The control endpoint ranks (and admin clients) connect to (ephemeral port resolved). */
  get endpoint(): string {
    return this.server.endpoint;
  }

  /** Ends the run from outside (e.g. a rank's process died); run() rejects with this reason. */
  fail(reason: string): void {
    this.failure ??= new DynpipeError('E_PEER_FAILED', reason);
    this.wake?.();
  }

  async run(): Promise<RunSummary> {
    const { numMinibatches } = this.o;
    let plan = this.o.plan;
    let planVersion = this.o.planVersion ?? 0;
    let windowFirst = this.o.startMicrobatch ?? 0;
    const n = worldSize(plan);
    await this.rendezvousAll(n);
    this.o.onRendezvous?.();
    void this.takeAdminRequests();
    const t0 = this.o.now();
    const busy = new Array<number>(n).fill(0);
    const done = new Set<number>();
    const tail: Array<{ mb: number; loss: number; rows: number }> = [];
    const changes: ChangeRecord[] = [];
    const scripted = [...(this.o.changes?.scripted ?? [])];
    let policyPlan: Plan | undefined;
    let driver: { d: CutoverDriver; from: Plan; source: ChangeSource } | undefined;

    const startChange = async (to: Plan, source: ChangeSource, minCut: number, slack: number): Promise<CutoverOutcome | undefined> => {
      const c = this.o.changes!;
      const d = new CutoverDriver({
        worldSize: n, kind: c.kind, planVersion: planVersion + 1, from: plan, to, minCut, slack, windowFirst, end: numMinibatches,
        checkpoints: this.o.checkpoints, timeoutMs: c.timeoutMs, done, send: (r, m) => this.server.send(r, m, c.timeoutMs), now: this.o.now,
      });
      driver = { d, from: plan, source };
      this.o.say(`coordinator: changing to plan version ${planVersion + 1} [${to.partition.join(', ')}] (${source.source})`);
      return d.start();
    };

    const finishChange = async (out: CutoverOutcome): Promise<void> => {
      const { d, from, source } = driver!;
      driver = undefined;
      if (out.kind === 'cancelled') {
        this.o.say(`coordinator: change to plan version ${d.planVersion} cancelled: ${out.reason}`);
        if (source.source === 'admin') await this.reply(source.identity, false, `not applied: ${out.reason}`);
        return;
      }
      let pauseMs: number;
      if (out.kind === 'restart') {
        await this.o.changes!.restart!({ plan: d.target, planVersion: d.planVersion, checkpoint: out.checkpoint, cutAt: out.cutAt });
        await this.rendezvousAll(n);
        pauseMs = this.o.now() - out.drainedAtMs;
      } else {
        pauseMs = out.pauseMs;
      }
      plan = d.target;
      planVersion = d.planVersion;
      windowFirst = out.cutAt;
      this.o.checkpoints?.planChanged(plan, planVersion);
      const record: ChangeRecord = { planVersion, source: source.source, fromPartition: from.partition, toPartition: plan.partition, plan, cutAt: out.cutAt, pauseMs, timeMs: this.o.now() };
      changes.push(record);
      this.o.changes!.policy?.planChanged(plan, planVersion, record.timeMs, pauseMs);
      this.o.changes!.onChange?.(record);
      if (source.source === 'admin') await this.reply(source.identity, true, `applied plan version ${planVersion} [${plan.partition.join(', ')}] at microbatch ${out.cutAt}, pause ${pauseMs.toFixed(1)} ms`);
    };

    /** Starts the next change when none runs: scripted first, then admin, then the policy's. */
    const maybeStart = async (): Promise<void> => {
      while (!driver && this.o.changes) {
        let out: CutoverOutcome | undefined;
        if (scripted.length > 0) {
          const s = scripted.shift()!;
          out = await startChange(s.plan, { source: 'scripted' }, s.atMicrobatch, 0);
        } else if (this.admin.length > 0) {
          const req = this.admin.shift()!;
          const to = this.admissible(req, plan);
          if (!to) continue;
          out = await startChange(to, { source: 'admin', identity: req.identity }, 0, 2 * inFlight(plan));
        } else if (policyPlan) {
          const to = policyPlan;
          policyPlan = undefined;
          out = await startChange(to, { source: 'policy' }, 0, 2 * inFlight(plan));
        } else {
          return;
        }
        if (out) await finishChange(out);
      }
    };

    try {
      while (done.size < n) {
        if (this.failure) throw this.failure;
        await maybeStart();
        if (!this.o.changes) for (const req of this.admin.splice(0)) await this.reply(req.identity, false, 'the job runs in mode pipedream (a static plan); start it with --mode simple, dynpipe or dynpipe-re to repartition');
        let got;
        try {
          got = await Promise.race([this.server.next(['stats', 'done', 'error', 'checkpointed', 'hold', 'drained', 'migrated'], 250), this.failed()]);
        } catch (e) {
          if (isDynpipeError(e, 'E_PEER_TIMEOUT')) {
            this.checkHeartbeats(done, n);
            driver?.d.checkDeadline();
            continue;
          }
          throw e;
        }
        const { rank, message } = got;
        let out: CutoverOutcome | undefined;
        if (message.type === 'error') this.fail(`rank ${rank} (stage ${stageOfRank(plan, rank)}) failed: ${message.message}`);
        else if (message.type === 'done') {
          done.add(rank);
          out = await driver?.d.rankDone(rank);
        } else if (message.type === 'stats') {
          const s = message.stats as unknown as RankStats;
          busy[rank] += (s.forward_ms ?? 0) + (s.backward_ms ?? 0) + (s.optimizer_ms ?? 0);
          if (s.stage === numStages(plan) - 1 && typeof s.loss === 'number' && s.mb >= numMinibatches * 0.9) tail.push({ mb: s.mb, loss: s.loss, rows: s.rows });
          this.o.onStats?.(rank, s);
          const d = this.o.changes?.policy?.onStats(rank, s, this.o.now(), !driver && !policyPlan);
          if (d?.action === 'repartition') policyPlan = d.plan;
        } else if (message.type === 'checkpointed') {
          await this.checkpointed(rank, message);
        } else {
          if (!driver) throw new DynpipeError('E_MESSAGE', `rank ${rank} sent '${message.type}' while no plan change runs`);
          out = await driver.d.onMessage(rank, message as ControlOf<'hold' | 'drained' | 'migrated'>);
        }
        if (out) await finishChange(out);
        driver?.d.checkDeadline();
        this.checkHeartbeats(done, n);
      }
    } catch (e) {
      const why = driver ? `${driver.d.describe()}: ${(e as Error).message}` : (e as Error).message;
      await this.shutdownAll(done, n, why);
      for (const req of this.admin.splice(0)) await this.reply(req.identity, false, `the job failed: ${why}`);
      if (driver?.source.source === 'admin') await this.reply(driver.source.identity, false, `the job failed: ${why}`);
      throw new DynpipeError(isDynpipeError(e) ? e.code : 'E_PEER_FAILED', why, { cause: e });
    }
    const ms = Math.max(1e-9, this.o.now() - t0);
    const rows = tail.reduce((s, t) => s + t.rows, 0);
    const trained = numMinibatches - (this.o.startMicrobatch ?? 0);
    return {
      seconds: ms / 1000,
      microbatches: trained,
      samplesPerS: (trained * plan.microbatch_size * 1000) / ms,
      busyFraction: busy.map((b) => b / ms),
      ...(rows > 0 ? { finalLoss: tail.reduce((s, t) => s + t.loss * t.rows, 0) / rows } : {}),
      changes,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
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

  /** Moves admin requests to the queue the run loop serves (until the channel closes). */
  private async takeAdminRequests(): Promise<void> {
    while (!this.closed) {
      try {
        this.admin.push(await this.server.nextAdmin(2 ** 31 - 1));
      } catch {
        return;
      }
    }
  }

  /** The plan an admin request asks for, or undefined after answering why it cannot be run. */
  private admissible(req: FromAdmin, current: Plan): Plan | undefined {
    try {
      const plan = validatePlan(req.message.plan, 'requested plan');
      checkReplaceable(current, plan, 'requested plan');
      return plan;
    } catch (e) {
      void this.reply(req.identity, false, (e as Error).message);
      return undefined;
    }
  }

  private async reply(identity: string, ok: boolean, message: string): Promise<void> {
    await this.server.replyAdmin(identity, { type: 'admin-reply', ok, message: message.slice(0, 2000) }, 2000).catch(() => undefined);
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

  /**
   * Every rank registers; the set is checked (rendezvous-check.ts) before the peer table goes out.
   * A failure here also goes to every rank as its shutdown reason, so ranks waiting for the table
   * learn why at once instead of at their rendezvous deadline.
   */
  private async rendezvousAll(n: number): Promise<void> {
    const rendezvous = this.server.rendezvous(n, this.o.rendezvousTimeoutMs, checkRendezvous);
    rendezvous.catch(() => undefined); // if fail() wins the race below, a later rejection is moot
    try {
      await Promise.race([rendezvous, this.failed()]);
    } catch (e) {
      await this.shutdownAll(new Set(), n, (e as Error).message);
      throw e;
    }
  }

  private async shutdownAll(done: ReadonlySet<number>, n: number, reason: string): Promise<void> {
    const sends = [];
    for (let r = 0; r < n; r++) if (!done.has(r)) sends.push(this.server.send(r, { type: 'shutdown', reason: reason.slice(0, 900) }, 1000).catch(() => undefined));
    await Promise.all(sends);
  }
}
