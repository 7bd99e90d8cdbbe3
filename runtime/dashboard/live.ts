/**
 * The dashboard of a running job, fed in-process by whoever hosts the coordinator (`dynpipe
 * launch`): per-microbatch stats become step rows, plan changes become plan and change events and
 * repartition rows, policy decisions become predictions. Every method returns at once and never
 * throws (the feed's guarantee, ./feed.ts); if the server cannot start, `start` says one line and
 * returns undefined, and the job runs without a dashboard.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ChangeRecord } from '../coordinator/coordinator.js';
import type { DecisionRecord } from '../coordinator/policy-runner.js';
import type { RankStats } from '../coordinator/rank-stats.js';
import type { Plan } from '../plan/plan.js';
import type { SlowSpan } from '../worker/bench-slowdown.js';
import { Assets } from './assets.js';
import type { RunInfo } from './events.js';
import { DEFAULT_FEED_OPTIONS, DashboardFeed } from './feed.js';
import { type ListenAddress, isLoopbackHost } from './listen-address.js';
import { DashboardServer } from './server.js';
import { KnownInterference } from './known-interference.js';
import { changeEventOf, changeRows, decisionEventOf, planEventOf, stepRowOf } from './stats-rows.js';

export interface LiveDashboardOptions {
  listen: ListenAddress;
  run: Omit<RunInfo, 'source' | 'speed'>;
  plan: Plan;
  planVersion: number;
  /** Interference the job will see (the bench hook's spans), shown as it happens (./known-interference.ts). */
  slowSpans?: readonly SlowSpan[];
  say(line: string): void;
}

/** A random token for a non-loopback bind (128 bits, hex). */
export function newToken(): string {
  return randomBytes(16).toString('hex');
}

export class LiveDashboard {
  private interference = new KnownInterference([]);
  private off = false;

  private constructor(
    private readonly feed: DashboardFeed,
    private readonly server: DashboardServer,
    readonly url: string,
    private readonly say: (line: string) => void,
  ) {}

  static async start(o: LiveDashboardOptions): Promise<LiveDashboard | undefined> {
    const feed = new DashboardFeed({ ...DEFAULT_FEED_OPTIONS, say: o.say });
    let server: DashboardServer;
    try {
      const token = isLoopbackHost(o.listen.host) ? undefined : newToken();
      server = await DashboardServer.start({ listen: o.listen, token, feed, assets: new Assets(), say: o.say });
    } catch (e) {
      o.say(`${(e as Error).message}; training continues without a dashboard`);
      return undefined;
    }
    const d = new LiveDashboard(feed, server, server.url(hostname()), o.say);
    d.safely(() => {
      feed.publish({ kind: 'run', run: { ...o.run, source: 'live' } });
      feed.publish({ kind: 'plan', plan: planEventOf(o.plan, o.planVersion, 0, 'initial') });
      d.interference = new KnownInterference(o.slowSpans ?? []);
    });
    return d;
  }

  /** A rank's stats of one microbatch (the coordinator's onStats). */
  stats(rank: number, s: RankStats): void {
    this.safely(() => {
      const row = stepRowOf(rank, s);
      if (!row) return;
      this.feed.publish({ kind: 'rows', rows: [row, ...this.interference.onStep(row)] });
    });
  }

  /** A plan change the coordinator completed. */
  change(c: ChangeRecord): void {
    this.safely(() => {
      this.feed.publish({ kind: 'rows', rows: changeRows(c) });
      this.feed.publish({ kind: 'plan', plan: planEventOf(c.plan, c.planVersion, c.timeMs, c.source) });
      this.feed.publish({ kind: 'change', change: changeEventOf(c) });
    });
  }

  /** A window decision of the repartitioning policy. */
  decision(d: DecisionRecord): void {
    this.safely(() => this.feed.publish({ kind: 'decision', decision: decisionEventOf(d) }));
  }

  /** The run is over; pages keep what they show. */
  end(ok: boolean, message: string): void {
    this.safely(() => {
      const open = this.interference.finish();
      if (open.length > 0) this.feed.publish({ kind: 'rows', rows: open });
      this.feed.publish({ kind: 'end', end: { ok, message: message.split('\n')[0] } });
    });
  }

  /** Ends the pages' streams and stops listening; never rejects. */
  async close(): Promise<void> {
    await this.server.close().catch(() => undefined);
  }

  /** Runs `f` unless the dashboard is off; its first failure turns it off with one line. */
  private safely(f: () => void): void {
    if (this.off) return;
    try {
      f();
    } catch (e) {
      this.off = true;
      this.say(`dashboard: stopped after an internal error (${(e as Error)?.message ?? String(e)}); training continues without it`);
    }
  }
}
