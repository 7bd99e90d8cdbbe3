/**
 * Real interference during one run of an experiment or of the demo, on one of two clocks:
 *
 *  - `progress`: phases indexed by training progress (microbatches the last stage completed), so a
 *    burst lands in the same part of the run however loaded the machine is (the demo);
 *  - `trace`: a schedule in seconds (profile/interfere/schedule.ts) whose zero is the first
 *    completed microbatch, so start-up time (process spawn, backend init) does not eat into it and
 *    every mode sees the same interference over its training time (the experiments).
 *
 * Generators are real processes (launch/interference-replay.ts); every start and stop is timed on
 * the job clock and returned by `stop()` for the rank logs' interference rows.
 */
import type { InterfererSpec } from '../../predictor/mix.js';
import type { ScheduleEvent } from '../../profile/interfere/schedule.js';
import { startInterference, type InterferenceReplay } from '../launch/interference-replay.js';
import type { AppliedInterference } from '../launch/interference-rows.js';

export interface ProgressPhase {
  /** The phase starts once this many microbatches completed... */
  fromMicrobatch: number;
  /** ...and stops once this many did. */
  toMicrobatch: number;
  /** Generators running together during the phase (two cpu specs on one core: two busy processes there). */
  specs: readonly InterfererSpec[];
}

/**
 * Emulated interference: while computing microbatches [from, to), each of `ranks` sleeps after every
 * forward and backward for (factor - 1) times its length (worker/bench-slowdown.ts), so it measures
 * `factor` times its compute whatever else loads the machine. No process runs; see emulated-rows.ts
 * for its log rows.
 */
export interface EmulatedBurst {
  ranks: readonly number[];
  factor: number;
  fromMicrobatch: number;
  toMicrobatch: number;
}

export type InterferenceSchedule =
  | { kind: 'none' }
  | { kind: 'progress'; phases: readonly ProgressPhase[] }
  | { kind: 'trace'; events: readonly ScheduleEvent[] }
  | { kind: 'emulated'; bursts: readonly EmulatedBurst[] };

export type PhaseState = 'before' | 'on' | 'after';

/** Where each phase stands after `completed` microbatches ([from, to): on). Pure. */
export function phaseStates(phases: readonly ProgressPhase[], completed: number): PhaseState[] {
  return phases.map((p) => (completed < p.fromMicrobatch ? 'before' : completed < p.toMicrobatch ? 'on' : 'after'));
}

export class InterferenceDriver {
  private readonly replays = new Map<number, InterferenceReplay>();
  private readonly stopped = new Map<number, Promise<AppliedInterference[]>>();
  private traceStarted = false;
  private completed = 0;

  /** `jobStartMs()`: epoch ms of the job clock's zero (known once the launcher started the job). */
  constructor(
    private readonly schedule: InterferenceSchedule,
    private readonly jobStartMs: () => number,
  ) {}

  /** Whether some generator runs now (for the progress bar). */
  get active(): boolean {
    const s = this.schedule;
    if (s.kind === 'emulated') return s.bursts.some((b) => this.completed >= b.fromMicrobatch && this.completed < b.toMicrobatch);
    return this.replays.size > this.stopped.size;
  }

  /** The last stage has completed `completed` microbatches: start and stop what is due. */
  onProgress(completed: number): void {
    this.completed = completed;
    const s = this.schedule;
    if (s.kind === 'trace' && !this.traceStarted && completed >= 1) {
      this.traceStarted = true;
      this.replays.set(0, startInterference(s.events, { jobStartMs: this.jobStartMs() }));
    }
    if (s.kind !== 'progress') return;
    phaseStates(s.phases, completed).forEach((state, i) => {
      if (state !== 'before' && !this.replays.has(i)) {
        const events = s.phases[i].specs.map((spec) => ({ line: 0, startS: 0, endS: Infinity, spec }));
        this.replays.set(i, startInterference(events, { jobStartMs: this.jobStartMs() }));
      }
      if (state === 'after' && !this.stopped.has(i)) this.stopped.set(i, this.replays.get(i)!.stop());
    });
  }

  /** Stops every generator still running; returns what ran, by start time. */
  async stop(): Promise<AppliedInterference[]> {
    for (const [i, r] of this.replays) if (!this.stopped.has(i)) this.stopped.set(i, r.stop());
    const all = await Promise.all(this.stopped.values());
    return all.flat().sort((a, b) => a.startMs - b.startMs);
  }
}
