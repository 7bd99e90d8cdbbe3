/**
 * The hub between a run and the pages watching it: keeps what a page needs to draw the whole run
 * so far (a page may connect late), and forwards each new event to every connected page.
 *
 * Training must never notice it, so:
 *  - publishing is O(1) per row: rows go into the history and a pending batch; one timer per
 *    `flushMs` serialises the batch once for every page (nothing is serialised with no page open);
 *  - a page that stops reading is dropped once `maxBacklogBytes` wait unsent (see FeedClient);
 *  - nothing here throws into the caller: the first internal failure says one line and turns the
 *    feed off (publishing becomes a no-op), and training goes on without a dashboard.
 * Memory is bounded: at most `maxRows` step rows are kept (the oldest go first; plan changes,
 * interference and eval rows are always kept) and the latest `maxDecisions` decisions.
 */
import type { RankLogRow } from '../log/rank-log.js';
import { type ChangeEvent, type DashboardEvent, type DecisionEvent, type EndEvent, type PlanEvent, type RunInfo, sseFrame } from './events.js';

/** One connected page. `send` returns false when the page is gone or too far behind (it is then dropped). */
export interface FeedClient {
  send(frame: string): boolean;
  close(): void;
}

export interface FeedOptions {
  /** New rows reach pages in batches, at most one per this many ms. */
  flushMs: number;
  maxRows: number;
  maxDecisions: number;
  /** Says one line when the feed fails (it then stops). */
  say(line: string): void;
}

/** Rows per event of a snapshot (one event per chunk keeps each frame a few MB at most). */
const SNAPSHOT_ROWS = 10_000;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export const DEFAULT_FEED_OPTIONS: Omit<FeedOptions, 'say'> = { flushMs: 250, maxRows: 200_000, maxDecisions: 2_000 };

export class DashboardFeed {
  private run: RunInfo | undefined;
  private readonly plans: PlanEvent[] = [];
  private rows: RankLogRow[] = [];
  private stepRows = 0;
  private decisions: DecisionEvent[] = [];
  private readonly changes: ChangeEvent[] = [];
  private ended: EndEvent | undefined;
  private pending: RankLogRow[] = [];
  private readonly clients = new Set<FeedClient>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private failed = false;

  constructor(private readonly o: FeedOptions) {}

  /** Pages connected now. */
  get clientCount(): number {
    return this.clients.size;
  }

  /** False once the feed failed and stopped. */
  get working(): boolean {
    return !this.failed;
  }

  /** Records `e` and forwards it (rows: with the next batch). Never throws. */
  publish(e: DashboardEvent): void {
    this.guard(() => {
      switch (e.kind) {
        case 'rows':
          this.addRows(e.rows);
          return;
        case 'run':
          this.run = e.run;
          break;
        case 'plan':
          this.plans.push(e.plan);
          break;
        case 'decision':
          this.decisions.push(e.decision);
          if (this.decisions.length > this.o.maxDecisions * 1.25) this.decisions = this.decisions.slice(-this.o.maxDecisions);
          break;
        case 'change':
          this.changes.push(e.change);
          break;
        case 'end':
          this.ended = e.end;
          break;
        default:
          e satisfies never;
      }
      this.flush();
      this.broadcast(sseFrame(e));
    });
  }

  /**
   * Sends everything so far to `client` (synchronously, before returning), then every new event;
   * returns the unsubscribe. Never throws.
   */
  subscribe(client: FeedClient): () => void {
    const remove = () => {
      this.clients.delete(client);
    };
    this.guard(() => {
      this.flush();
      const snapshot: DashboardEvent[] = [
        ...(this.run ? [{ kind: 'run' as const, run: this.run }] : []),
        ...this.plans.map((plan) => ({ kind: 'plan' as const, plan })),
        ...chunks(this.rows, SNAPSHOT_ROWS).map((rows) => ({ kind: 'rows' as const, rows })),
        ...this.changes.map((change) => ({ kind: 'change' as const, change })),
        ...this.decisions.map((decision) => ({ kind: 'decision' as const, decision })),
        ...(this.ended ? [{ kind: 'end' as const, end: this.ended }] : []),
      ];
      for (const e of snapshot) if (!client.send(sseFrame(e))) return;
      this.clients.add(client);
    });
    return remove;
  }

  /** Sends the pending batch of rows now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    this.broadcast(sseFrame({ kind: 'rows', rows }));
  }

  /** Flushes, then ends every page's stream. */
  close(): void {
    this.guard(() => this.flush());
    for (const c of this.clients) c.close();
    this.clients.clear();
  }

  private addRows(rows: readonly RankLogRow[]): void {
    for (const r of rows) {
      this.rows.push(r);
      if (r.row === 'step') this.stepRows++;
    }
    if (this.stepRows > this.o.maxRows * 1.25) this.dropOldSteps();
    if (this.clients.size === 0) return;
    this.pending.push(...rows);
    if (this.timer) return;
    this.timer = setTimeout(() => this.guard(() => this.flush()), this.o.flushMs);
    this.timer.unref(); // a pending batch never keeps the process alive
  }

  /** Keeps the newest `maxRows` step rows and every other row. */
  private dropOldSteps(): void {
    let excess = this.stepRows - this.o.maxRows;
    this.rows = this.rows.filter((r) => r.row !== 'step' || excess-- <= 0);
    this.stepRows = this.o.maxRows;
  }

  private broadcast(frame: string): void {
    for (const c of this.clients) if (!c.send(frame)) this.clients.delete(c);
  }

  private guard(f: () => void): void {
    if (this.failed) return;
    try {
      f();
    } catch (e) {
      this.failed = true;
      if (this.timer) clearTimeout(this.timer);
      for (const c of this.clients) {
        try {
          c.close();
        } catch {
          // the page is gone either way
        }
      }
      this.clients.clear();
      this.o.say(`dashboard: stopped after an internal error (${(e as Error)?.message ?? String(e)}); training continues without it`);
    }
  }
}
