/**
 * The coordinator's side of one plan change, as a state machine fed with the ranks' replies:
 *
 *   hold      repartition {v, plan, minCut, slack} -> every rank; each answers hold {next, holdAt}.
 *             M = max holdAt (rounded up to a flush boundary for gpipe). M >= end of job: cut
 *             {null} (cancelled). Else cut {M, barrier} -> every rank.
 *   drain     each rank runs to M, drains, [writes its file of the set v<new>-mb<M>] and reports
 *             drained. When all have: the manifest is written (checkpointing), then
 *               dynpipe-re: proceed exit -> restart the job from the checkpoint;
 *               barrier:    proceed migrate (live migration only after the checkpoint is complete).
 *   migrate   ranks move blocks pairwise and report migrated; when all have (and all drained):
 *             proceed resume -> applied.
 *
 * Without a barrier, ranks start migrating as soon as they drained, so `migrated` may arrive
 * before the last `drained`; both are counted whatever the phase. Each phase has a deadline; a
 * rank that fails or dies ends the job through the coordinator's failure rule, and `describe()`
 * says which phase it was in and whether the checkpoint of this cut is complete.
 */
import { DynpipeError } from '../errors.js';
import { type Plan, ranksOfStage } from '../plan/plan.js';
import type { ControlOf, CoordinatorMessage } from '../transport/control-messages.js';
import { CUT_EXTRAS, type Manifest, type RankFileRecord } from '../checkpoint/manifest.js';
import type { SetId } from '../checkpoint/checkpoint-store.js';
import { blockOwners } from '../migration/plan-diff.js';

/** Where the set of a cut goes (coordinator/checkpoint-collector.ts implements it). */
export interface CutCheckpoints {
  dirOf(id: SetId): string;
  /** Writes the set's manifest (last: the set is complete from then on); returns its directory. */
  commitCut(manifest: Manifest): Promise<string>;
}

export type ChangeKind = 'live' | 'restart';

export interface CutoverOptions {
  worldSize: number;
  kind: ChangeKind;
  planVersion: number;
  from: Plan;
  to: Plan;
  minCut: number;
  slack: number;
  /** First microbatch of the running windows (flush boundaries of gpipe count from it). */
  windowFirst: number;
  /** End of the job: a cut at or after it is cancelled. */
  end: number;
  /** Checkpoint the cut here (required for restart; for live it adds a barrier before migrating). */
  checkpoints?: CutCheckpoints;
  timeoutMs: number;
  /** Ranks that already finished the job (they answer nothing). */
  done: ReadonlySet<number>;
  send(rank: number, m: CoordinatorMessage): Promise<void>;
  now(): number;
}

export type CutoverOutcome =
  | { kind: 'cancelled'; reason: string }
  | { kind: 'applied'; cutAt: number; pauseMs: number; movedBytes: number }
  | { kind: 'restart'; cutAt: number; checkpoint: string; drainedAtMs: number };

type Phase = 'hold' | 'drain' | 'migrate';

export class CutoverDriver {
  private phase: Phase = 'hold';
  private deadline = 0;
  private readonly holds = new Map<number, number>();
  private readonly drained = new Map<number, ControlOf<'drained'>>();
  /** When each rank's `drained` arrived, on the coordinator's clock (ranks' clocks may differ). */
  private readonly drainedSeen = new Map<number, number>();
  private readonly migrated = new Map<number, ControlOf<'migrated'>>();
  private cutAt = -1;
  private checkpoint: { dir: string; complete: boolean } | undefined;

  constructor(private readonly o: CutoverOptions) {
    if (o.kind === 'restart' && !o.checkpoints) throw new DynpipeError('E_USAGE', 'a restart needs a checkpoint directory');
  }

  get planVersion(): number {
    return this.o.planVersion;
  }

  get target(): Plan {
    return this.o.to;
  }

  /** Sends `repartition` to every rank still running; may already decide (all ranks done). */
  async start(): Promise<CutoverOutcome | undefined> {
    this.deadline = this.o.now() + this.o.timeoutMs;
    for (const r of this.o.done) this.holds.set(r, this.o.end);
    // Through JSON: the plan file format, and absent fields stay absent (msgpack would send undefined as nil).
    const plan = JSON.parse(JSON.stringify(this.o.to)) as Record<string, unknown>;
    const msg: CoordinatorMessage = { type: 'repartition', planVersion: this.o.planVersion, plan, minCut: this.o.minCut, slack: this.o.slack };
    await this.toRunning(msg);
    return this.holds.size === this.o.worldSize ? this.decideCut() : undefined;
  }

  /** A rank finished the job while this change was pending: it counts as holding at the end. */
  async rankDone(rank: number): Promise<CutoverOutcome | undefined> {
    if (this.phase !== 'hold' || this.holds.has(rank)) return undefined;
    this.holds.set(rank, this.o.end);
    return this.holds.size === this.o.worldSize ? this.decideCut() : undefined;
  }

  async onMessage(rank: number, m: ControlOf<'hold' | 'drained' | 'migrated'>): Promise<CutoverOutcome | undefined> {
    if (m.planVersion !== this.o.planVersion) throw this.error(`rank ${rank} answered for plan version ${m.planVersion}`);
    if (m.type === 'hold') {
      if (this.phase !== 'hold') throw this.error(`rank ${rank} sent a late hold`);
      this.holds.set(rank, m.holdAt);
      return this.holds.size === this.o.worldSize ? this.decideCut() : undefined;
    }
    if (this.phase === 'hold') throw this.error(`rank ${rank} sent '${m.type}' before the cut was agreed`);
    if (m.type === 'drained') {
      this.drained.set(rank, m);
      this.drainedSeen.set(rank, this.o.now());
      if (this.drained.size === this.o.worldSize) {
        const out = await this.allDrained();
        if (out) return out;
      }
    } else {
      this.migrated.set(rank, m);
    }
    if (this.phase === 'migrate' && this.migrated.size === this.o.worldSize) return this.allMigrated();
    return undefined;
  }

  /** Throws E_MIGRATION naming the phase and the silent ranks once the phase's deadline passed. */
  checkDeadline(): void {
    if (this.o.now() <= this.deadline) return;
    const got = this.phase === 'hold' ? this.holds : this.phase === 'drain' ? this.drained : this.migrated;
    const missing = [...Array(this.o.worldSize).keys()].filter((r) => !got.has(r));
    throw this.error(`phase '${this.phase}' timed out after ${this.o.timeoutMs} ms waiting for ranks [${missing.join(', ')}]`);
  }

  /** One line for a failure during this change: phase, cut, and the state of its checkpoint. */
  describe(): string {
    const at = this.cutAt >= 0 ? ` at microbatch ${this.cutAt}` : '';
    const ckpt = this.checkpoint
      ? this.checkpoint.complete ? `; the checkpoint of the cut in ${this.checkpoint.dir} is complete` : `; the checkpoint in ${this.checkpoint.dir} is incomplete (no manifest)`
      : '';
    return `change to plan version ${this.o.planVersion}${at} failed in phase '${this.phase}'${ckpt}`;
  }

  private async decideCut(): Promise<CutoverOutcome | undefined> {
    let m = Math.max(...this.holds.values());
    if (this.o.from.schedule === 'gpipe') {
      const k = this.o.from.microbatches_per_step;
      m = this.o.windowFirst + Math.ceil((m - this.o.windowFirst) / k) * k;
    }
    if (m >= this.o.end) {
      await this.toRunning({ type: 'cut', planVersion: this.o.planVersion, cutAt: null, barrier: false });
      return { kind: 'cancelled', reason: `the earliest common cut, microbatch ${m}, is not before the end of the job (${this.o.end})` };
    }
    this.cutAt = m;
    this.phase = 'drain';
    this.deadline = this.o.now() + this.o.timeoutMs;
    if (this.o.checkpoints) this.checkpoint = { dir: this.o.checkpoints.dirOf({ planVersion: this.o.planVersion, cut: m }), complete: false };
    const barrier = this.o.kind === 'live' && this.o.checkpoints !== undefined;
    await this.toRunning({ type: 'cut', planVersion: this.o.planVersion, cutAt: m, barrier });
    return undefined;
  }

  private async allDrained(): Promise<CutoverOutcome | undefined> {
    const versions = new Set([...this.drained.values()].map((d) => d.weightVersion));
    if (versions.size !== 1) throw this.error(`ranks drained at different weight versions [${[...versions].join(', ')}]`);
    if (this.checkpoint) await this.writeManifest([...versions][0]);
    this.phase = 'migrate';
    this.deadline = this.o.now() + this.o.timeoutMs;
    if (this.o.kind === 'restart') {
      await this.toRunning({ type: 'proceed', planVersion: this.o.planVersion, action: 'exit' });
      return { kind: 'restart', cutAt: this.cutAt, checkpoint: this.checkpoint!.dir, drainedAtMs: this.stageZeroDrainedAt() };
    }
    if (this.o.checkpoints) await this.toRunning({ type: 'proceed', planVersion: this.o.planVersion, action: 'migrate' });
    return undefined;
  }

  private async allMigrated(): Promise<CutoverOutcome> {
    await this.toRunning({ type: 'proceed', planVersion: this.o.planVersion, action: 'resume' });
    const movedBytes = [...this.migrated.values()].reduce((s, m) => s + m.sentBytes, 0);
    return { kind: 'applied', cutAt: this.cutAt, pauseMs: this.o.now() - this.stageZeroDrainedAt(), movedBytes };
  }

  /**
   * When the old plan's input stage drained (its last microbatch under the old plan), as the
   * coordinator saw it: one message later than the rank's own clock says, but on the clock the
   * pause is measured with.
   */
  private stageZeroDrainedAt(): number {
    return Math.max(...ranksOfStage(this.o.from, 0).map((r) => this.drainedSeen.get(r) ?? 0));
  }

  /**
   * The set of the cut: every rank's file of its blocks under the old plan, the new plan to continue
   * with (at the new version), and the extras a restarted rank logs the change with.
   */
  private async writeManifest(weightVersion: number): Promise<void> {
    const owners = blockOwners(this.o.from);
    const files: RankFileRecord[] = [];
    for (const [rank, d] of this.drained) {
      if (!d.checkpoint) continue;
      const owned = owners.flatMap((rs, b) => (rs.includes(rank) ? [b] : []));
      if (d.checkpoint.blocks.join(',') !== owned.join(',')) throw this.error(`rank ${rank} checkpointed blocks [${d.checkpoint.blocks.join(', ')}], it owns [${owned.join(', ')}]`);
      files.push({ ...d.checkpoint, rank });
    }
    if (files.length !== this.o.worldSize) throw this.error(`only ${files.length} of ${this.o.worldSize} ranks wrote their checkpoint file`);
    await this.o.checkpoints!.commitCut({
      cutMicrobatch: this.cutAt, weightVersion, planVersion: this.o.planVersion, seed: this.o.to.training.seed, plan: this.o.to,
      files: files.sort((a, b) => a.rank - b.rank),
      extra: {
        [CUT_EXTRAS.drainedAtMs]: [...Array(this.o.worldSize).keys()].map((r) => this.drained.get(r)!.drainedAtMs),
        [CUT_EXTRAS.previousPartition]: this.o.from.partition,
      },
    });
    this.checkpoint!.complete = true;
  }

  private async toRunning(m: CoordinatorMessage): Promise<void> {
    const ranks = [...Array(this.o.worldSize).keys()].filter((r) => !this.o.done.has(r));
    await Promise.all(ranks.map((r) => this.o.send(r, m)));
  }

  private error(what: string): DynpipeError {
    return new DynpipeError('E_MIGRATION', `${this.describe()}: ${what}`);
  }
}
