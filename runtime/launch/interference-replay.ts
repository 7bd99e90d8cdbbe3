/**
 * Real interference during a launch: replays schedule events with the InterferenceController and
 * real generator processes (profile/interfere/), timing every start and stop on the job clock.
 * `stop()` always stops every generator and reports what ran; a failing generator is reported by
 * `stop()` after everything was stopped. A SIGKILLed launcher leaves no generator behind (each
 * child watches its parent, profile/interfere/lifeline.ts).
 */
import { GeneratorGroup } from '../../profile/interfere/spawn.js';
import { InterferenceController, type ScheduleEvent } from '../../profile/interfere/schedule.js';
import type { SendDelay } from '../../predictor/collect.js';
import { epochNowMs } from '../worker/job-clock.js';
import type { AppliedInterference } from './interference-rows.js';

export interface InterferenceReplayOptions {
  /** Epoch ms of the job clock's zero (the launcher's jobStartMs). */
  jobStartMs: number;
  /** Installs or removes the send delay of a rank (needed when `events` has net events). */
  setSendDelay?(rank: number, delay: SendDelay | null): void;
  /** Called on each start and stop, with the job-clock time. */
  onChange?(what: 'start' | 'stop', event: ScheduleEvent, atMs: number): void;
}

export interface InterferenceReplay {
  /** Aborts the trace (if it is still running), stops every generator, and returns what ran. */
  stop(): Promise<AppliedInterference[]>;
}

/** Starts replaying `events` now (their times count from now). */
export function startInterference(events: readonly ScheduleEvent[], o: InterferenceReplayOptions): InterferenceReplay {
  const group = new GeneratorGroup();
  const killOnExit = (): void => group.killAllNow();
  process.on('exit', killOnExit);
  const started = new Map<ScheduleEvent, number>();
  const applied: AppliedInterference[] = [];
  const now = (): number => epochNowMs() - o.jobStartMs;
  const controller = new InterferenceController(events, {
    start: (spec) => group.start(spec),
    setSendDelay: o.setSendDelay,
    onChange: (what, event) => {
      const at = now();
      if (what === 'start') started.set(event, at);
      else applied.push({ spec: event.spec, startMs: started.get(event) ?? at, endMs: at });
      o.onChange?.(what, event, at);
    },
  });
  const abort = new AbortController();
  const running = controller.run(abort.signal).then(
    () => undefined,
    (e: unknown) => e,
  );
  return {
    async stop() {
      abort.abort();
      const failure = await running;
      await group.stopAll();
      process.off('exit', killOnExit);
      if (failure !== undefined) throw failure;
      return applied.sort((a, b) => a.startMs - b.startMs);
    },
  };
}
