/**
 * The public entry point of `runtime/schedule/`: pick a schedule by name and get one stage's
 * instruction stream for a window of microbatches.
 *
 * A stream is a generator of slots (`Instruction[]`, one compute each), not a flat list, so a
 * timeline has one cell per slot and the worker can report progress per slot; flatten it with
 * `for (const slot of s) for (const i of slot)` when only the order matters. Streams are lazy and
 * pure: calling `createSchedule` twice with the same options yields equal streams.
 */
import { check } from '../errors.js';
import type { Slot } from './instructions.js';
import { gpipe } from './gpipe.js';
import { oneFOneB } from './one-f-one-b.js';
import { resolveOptions, type ScheduleConfig, type ScheduleKind, type ScheduleOptions } from './options.js';

export type { ScheduleKind, ScheduleOptions } from './options.js';

const SCHEDULES: Readonly<Record<ScheduleKind, (config: ScheduleConfig) => Generator<Slot, void, undefined>>> = {
  '1f1b': oneFOneB,
  gpipe,
};

/** One stage's slots for the window; throws E_SCHEDULE naming the first invalid option. */
export function createSchedule(kind: ScheduleKind, opts: ScheduleOptions): Generator<Slot, void, undefined> {
  check(Object.hasOwn(SCHEDULES, kind), 'E_SCHEDULE', () => `schedule: unknown kind '${kind}' (expected ${Object.keys(SCHEDULES).join(' or ')})`);
  return SCHEDULES[kind](resolveOptions(opts));
}

/** Every stage's slots for the window, materialised (stage s at index s): the lock-step checker's input. */
export function scheduleAllStages(kind: ScheduleKind, opts: Omit<ScheduleOptions, 'stage'>): Slot[][] {
  resolveOptions({ ...opts, stage: 0 });
  const streams: Slot[][] = [];
  for (let stage = 0; stage < opts.stages; stage++) streams.push([...createSchedule(kind, { ...opts, stage })]);
  return streams;
}
