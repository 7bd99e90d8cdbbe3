/**
 * The page's state: the stream's events folded into what the figures take (a `Run` of log rows)
 * plus the plan in force, the decisions and the changes. Pure; runs in the browser (and in tests).
 */
import type { Run } from '../../../figures/data.js';
import type { RankLogRow, StepRow } from '../../log/rank-log.js';
import type { ChangeEvent, DashboardEvent, DecisionEvent, EndEvent, PlanEvent, RunInfo } from '../events.js';

/**
 * Every stream starts with `run` and the server's snapshot of the run so far, so a `run` event
 * starts the model afresh: a page that reconnects does not count the snapshot twice.
 */
export class DashboardModel {
  run: RunInfo | undefined;
  plans: PlanEvent[] = [];
  rows: RankLogRow[] = [];
  decisions: DecisionEvent[] = [];
  changes: ChangeEvent[] = [];
  end: EndEvent | undefined;
  /** Events applied so far. */
  events = 0;
  private lastStep: StepRow | undefined;
  private lastLoss: StepRow | undefined;

  apply(e: DashboardEvent): void {
    this.events++;
    switch (e.kind) {
      case 'run':
        this.run = e.run;
        this.plans = [];
        this.rows = [];
        this.decisions = [];
        this.changes = [];
        this.end = undefined;
        this.lastStep = undefined;
        this.lastLoss = undefined;
        return;
      case 'plan':
        this.plans.push(e.plan);
        return;
      case 'rows':
        for (const r of e.rows) {
          this.rows.push(r);
          if (r.row !== 'step') continue;
          if (!this.lastStep || r.microbatch > this.lastStep.microbatch) this.lastStep = r;
          if (r.loss !== undefined && (!this.lastLoss || r.microbatch >= this.lastLoss.microbatch)) this.lastLoss = r;
        }
        return;
      case 'decision':
        this.decisions.push(e.decision);
        return;
      case 'change':
        this.changes.push(e.change);
        return;
      case 'end':
        this.end = e.end;
        return;
      default:
        e satisfies never;
    }
  }

  /** The plan in force: the latest plan event (highest version). */
  get plan(): PlanEvent | undefined {
    return this.plans.reduce<PlanEvent | undefined>((a, p) => (!a || p.plan_version >= a.plan_version ? p : a), undefined);
  }

  get decision(): DecisionEvent | undefined {
    return this.decisions[this.decisions.length - 1];
  }

  /** Microbatches finished so far: one past the highest microbatch any rank reported. */
  get microbatchesDone(): number {
    return this.lastStep ? this.lastStep.microbatch + 1 : (this.run?.firstMicrobatch ?? 0);
  }

  /** The last stage's latest training loss. */
  get latestLoss(): { microbatch: number; loss: number } | undefined {
    return this.lastLoss?.loss === undefined ? undefined : { microbatch: this.lastLoss.microbatch, loss: this.lastLoss.loss };
  }

  /** The figures' input: this run's rows, in arrival order (the figures sort what they need). */
  asRun(): Run {
    return { name: this.run?.name ?? 'run', rows: this.rows, summary: null };
  }
}
