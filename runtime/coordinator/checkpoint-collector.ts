/**
 * The coordinator's half of a checkpoint: ranks report their file of the set at a cut
 * ('checkpointed'); once every rank of the plan has, the collector writes the manifest — the last
 * write, which makes the set complete — and prunes old sets. The set of a plan change's cut
 * (coordinator/cutover-driver.ts, files reported in 'drained') is committed through it too, so one
 * object knows the newest complete set and does the pruning.
 *
 * Invariants: a manifest names exactly one file per rank, each holding that rank's blocks under
 * the plan, all at one weight version; a report that breaks this (wrong plan version, blocks or
 * file name, disagreeing weight versions) is E_CHECKPOINT and the set is never committed. Cuts
 * complete in increasing order (each rank reports its cuts in order), so an older incomplete set
 * can be forgotten once a newer one commits.
 */
import { DynpipeError } from '../errors.js';
import { type Plan, worldSize } from '../plan/plan.js';
import type { CheckpointStore, SetId } from '../checkpoint/checkpoint-store.js';
import { type Manifest, type RankFileRecord, rankFileName } from '../checkpoint/manifest.js';
import { blocksOfRank } from '../checkpoint/reslice.js';
import type { ControlOf } from '../transport/control-messages.js';

export interface CheckpointCollectorOptions {
  store: CheckpointStore;
  plan: Plan;
  planVersion: number;
  /** Complete sets kept; older ones are deleted after each commit. */
  keep: number;
  say(line: string): void;
}

export interface CommittedSet {
  dir: string;
  cut: number;
}

export class CheckpointCollector {
  private readonly pending = new Map<number, Map<number, { record: RankFileRecord; weightVersion: number }>>();
  private last: CommittedSet | undefined;
  private plan: Plan;
  private planVersion: number;

  constructor(private readonly o: CheckpointCollectorOptions) {
    this.plan = o.plan;
    this.planVersion = o.planVersion;
  }

  /** The directory of set `id` in the store. */
  dirOf(id: SetId): string {
    return this.o.store.dirOf(id);
  }

  /** The job continues under `plan` at `planVersion` (a plan change): reports are checked against it from now on. */
  planChanged(plan: Plan, planVersion: number): void {
    this.plan = plan;
    this.planVersion = planVersion;
    this.pending.clear();
  }

  /** Commits the set of a plan change's cut, whose files the ranks wrote and reported; prunes. Returns its directory. */
  async commitCut(manifest: Manifest): Promise<string> {
    return this.commit(manifest);
  }

  /** The newest set this collector committed. */
  get lastCommitted(): CommittedSet | undefined {
    return this.last;
  }

  /** Files one rank's report; commits the set when it completes it. Returns the set's directory then. */
  async offer(rank: number, m: ControlOf<'checkpointed'>): Promise<string | undefined> {
    const { plan, planVersion } = this;
    const bad = (what: string) => new DynpipeError('E_CHECKPOINT', `coordinator: rank ${rank}'s checkpoint at microbatch ${m.cut} ${what}`);
    if (m.planVersion !== planVersion) throw bad(`is for plan version ${m.planVersion}, the job runs ${planVersion}`);
    if (m.file !== rankFileName(rank)) throw bad(`names file '${m.file}', expected ${rankFileName(rank)}`);
    const blocks = blocksOfRank(plan, rank);
    if (m.blocks.join(',') !== blocks.join(',')) throw bad(`holds blocks [${m.blocks.join(', ')}], the rank owns [${blocks.join(', ')}]`);
    if (this.last && m.cut <= this.last.cut) return undefined;
    const reports = this.pending.get(m.cut) ?? new Map();
    this.pending.set(m.cut, reports);
    reports.set(rank, { record: { file: m.file, rank, blocks: m.blocks, bytes: m.bytes, sha256: m.sha256 }, weightVersion: m.weightVersion });
    if (reports.size < worldSize(plan)) return undefined;
    const versions = new Set([...reports.values()].map((r) => r.weightVersion));
    if (versions.size !== 1) throw bad(`completes a set whose ranks are at weight versions [${[...versions].join(', ')}]`);
    return this.commit({
      cutMicrobatch: m.cut, weightVersion: m.weightVersion, planVersion, seed: plan.training.seed, plan,
      files: [...reports.values()].map((r) => r.record).sort((a, b) => a.rank - b.rank),
    });
  }

  private async commit(manifest: Manifest): Promise<string> {
    const cut = manifest.cutMicrobatch;
    const dir = await this.o.store.commit(manifest);
    for (const c of this.pending.keys()) if (c <= cut) this.pending.delete(c);
    this.last = { dir, cut };
    this.o.say(`coordinator: checkpoint at microbatch ${cut} complete: ${dir}`);
    await this.o.store.prune(this.o.keep);
    return dir;
  }
}
