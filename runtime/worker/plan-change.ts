/**
 * A rank's listener for plan changes (modes simple, dynpipe, dynpipe-re): it answers the
 * coordinator's `repartition` with a `hold` (migration/cut-window.ts explains the agreement) and
 * feeds `cut` decisions to the gate the running window reads at every slot boundary. It never
 * touches tensors; the worker applies a change once its window ended at the cut.
 *
 * One change at a time: a `repartition` for version v + 1 while at version v, then its `cut`.
 * Anything else from the coordinator is a protocol error that stops the rank (`failed`).
 */
import { DynpipeError } from '../errors.js';
import { type Plan, validatePlan } from '../plan/plan.js';
import type { ControlClient } from '../transport/control.js';
import type { ControlOf } from '../transport/control-messages.js';
import { CutGate, type CutDecision } from '../migration/cut-window.js';

export interface PlanChange {
  planVersion: number;
  plan: Plan;
  cutAt: number;
  /** Migrate only after the coordinator's `proceed migrate` (it writes a checkpoint manifest first). */
  barrier: boolean;
}

export interface PlanChangeListenerOptions {
  rank: number;
  control: ControlClient;
  /** The plan version the rank runs now. */
  planVersion(): number;
  /** The first microbatch the rank has not forwarded yet. */
  nextForward(): number;
}

export class PlanChangeListener {
  readonly gate = new CutGate();
  /** Rejects when the coordinator breaks the protocol; never resolves otherwise. */
  readonly failed: Promise<never>;
  private pending: { planVersion: number; plan: Plan } | undefined;
  private barrier = false;
  private fail: (e: Error) => void = () => undefined;
  private stopped = false;

  constructor(private readonly o: PlanChangeListenerOptions) {
    this.failed = new Promise<never>((_, reject) => (this.fail = reject));
    this.failed.catch(() => undefined);
  }

  /** Starts answering; runs until the control channel closes or `stop()`. */
  start(): void {
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
  }

  /** The change a window was cut for (after it ended at the cut). */
  changeFor(cut: CutDecision): PlanChange {
    const p = this.pending;
    if (!p || p.planVersion !== cut.planVersion || cut.cutAt === null) {
      throw new DynpipeError('E_MIGRATION', `rank ${this.o.rank}: cut for plan version ${cut.planVersion} without its repartition`);
    }
    this.pending = undefined;
    return { planVersion: p.planVersion, plan: p.plan, cutAt: cut.cutAt, barrier: this.barrier };
  }

  private async loop(): Promise<void> {
    for (;;) {
      let m: ControlOf<'repartition' | 'cut'>;
      try {
        m = await this.o.control.next(['repartition', 'cut'], 2 ** 31 - 1);
      } catch {
        return; // control channel closed: the worker is ending
      }
      if (this.stopped) return;
      try {
        if (m.type === 'repartition') await this.onRepartition(m);
        else this.onCut(m);
      } catch (e) {
        this.fail(e as Error);
        return;
      }
    }
  }

  private async onRepartition(m: ControlOf<'repartition'>): Promise<void> {
    const want = this.o.planVersion() + 1;
    if (this.pending || m.planVersion !== want) {
      throw new DynpipeError('E_MESSAGE', `rank ${this.o.rank}: repartition to plan version ${m.planVersion} while ${this.pending ? `version ${this.pending.planVersion} is pending` : `expecting version ${want}`}`);
    }
    const plan = validatePlan(m.plan, `rank ${this.o.rank}: plan version ${m.planVersion} from the coordinator`);
    const next = this.o.nextForward();
    const holdAt = Math.max(next + m.slack, m.minCut);
    this.pending = { planVersion: m.planVersion, plan };
    this.gate.hold(holdAt);
    await this.o.control.send({ type: 'hold', rank: this.o.rank, planVersion: m.planVersion, next, holdAt }, 10_000);
  }

  private onCut(m: ControlOf<'cut'>): void {
    if (!this.pending || m.planVersion !== this.pending.planVersion) {
      throw new DynpipeError('E_MESSAGE', `rank ${this.o.rank}: cut for plan version ${m.planVersion} without its repartition`);
    }
    this.barrier = m.barrier;
    if (m.cutAt === null) this.pending = undefined;
    this.gate.decide({ planVersion: m.planVersion, cutAt: m.cutAt });
  }
}
