/**
 * What a rank reports after each microbatch (control message `stats`), and the per-rank summaries
 * over a window of microbatches that the repartitioning policies read. Pure: no clock, no I/O.
 */
import type { HostObservation } from '../../predictor/observation.js';

/** One microbatch on one rank; times in ms, `time_ms` on the job clock. */
export interface RankStats {
  mb: number;
  stage: number;
  /** Plan version the microbatch ran under (absent from ranks that never repartition: 0). */
  plan_version?: number;
  time_ms: number;
  forward_ms: number;
  backward_ms: number;
  recv_wait_ms: number;
  send_wait_ms: number;
  optimizer_ms: number;
  rows: number;
  loss?: number;
  /** Host counters over the rank's last host window, on the first microbatch after each (--host-stats-every). */
  host?: HostObservation;
}

/** One rank over a window (microbatches of one plan version only). */
export interface RankWindow {
  readonly rank: number;
  readonly stage: number;
  readonly microbatches: number;
  /**
   * Median forward + backward + optimizer ms per microbatch: the rank's own compute. The median,
   * not the mean, so that one garbage-collection pause or JIT compile does not look like a slowdown.
   */
  readonly computeMs: number;
  /** Mean receive + send wait ms per microbatch. */
  readonly waitMs: number;
  /** Mean send wait ms per microbatch (part of waitMs); absent from windows built elsewhere (the simulator). */
  readonly sendWaitMs?: number;
  /** Job-clock ms between the window's first and last microbatch on this rank (0 for one); absent likewise. */
  readonly windowMs?: number;
  /** The latest host observation the rank reported during the window, if any. */
  readonly host?: HostObservation;
  /** Rows of each microbatch the rank computed (its replica share; the microbatch size unreplicated). */
  readonly rows: number;
}

interface Sums {
  stage: number;
  compute: number[];
  wait: number;
  sendWait: number;
  rows: number;
  firstMs: number;
  lastMs: number;
  host?: HostObservation;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Accumulates stats of one plan version into per-rank window summaries. Stats of another plan version
 * (stragglers of the plan before a repartition) are ignored; `restart(v)` moves to version v.
 */
export class WindowStats {
  private sums = new Map<number, Sums>();
  private lastStageCount = 0;

  constructor(
    private planVersion: number,
    private lastStage: number,
  ) {}

  get version(): number {
    return this.planVersion;
  }

  /** Microbatches the last stage finished in this window (counted once per replica). */
  get lastStageMicrobatches(): number {
    return this.lastStageCount;
  }

  add(rank: number, s: RankStats): void {
    if ((s.plan_version ?? 0) !== this.planVersion) return;
    let sum = this.sums.get(rank);
    if (!sum) {
      sum = { stage: s.stage, compute: [], wait: 0, sendWait: 0, rows: 0, firstMs: s.time_ms, lastMs: s.time_ms };
      this.sums.set(rank, sum);
    }
    sum.compute.push(s.forward_ms + s.backward_ms + s.optimizer_ms);
    sum.wait += s.recv_wait_ms + s.send_wait_ms;
    sum.sendWait += s.send_wait_ms;
    sum.firstMs = Math.min(sum.firstMs, s.time_ms);
    sum.lastMs = Math.max(sum.lastMs, s.time_ms);
    if (s.host) sum.host = s.host;
    sum.rows += s.rows;
    if (s.stage === this.lastStage) this.lastStageCount++;
  }

  /** The window's per-rank summaries (ascending rank; ranks without stats are absent), and a fresh window. */
  take(): RankWindow[] {
    const out = [...this.sums]
      .sort(([a], [b]) => a - b)
      .map(([rank, s]): RankWindow => {
        const n = s.compute.length;
        return {
          rank, stage: s.stage, microbatches: n, computeMs: median(s.compute), waitMs: s.wait / n, sendWaitMs: s.sendWait / n, windowMs: s.lastMs - s.firstMs, rows: s.rows / n,
          ...(s.host ? { host: s.host } : {}),
        };
      });
    this.sums = new Map();
    this.lastStageCount = 0;
    return out;
  }

  /** Drops the current window and counts only plan version `v` from now on (its last stage is `lastStage`). */
  restart(v: number, lastStage: number): void {
    this.planVersion = v;
    this.lastStage = lastStage;
    this.sums = new Map();
    this.lastStageCount = 0;
  }
}
