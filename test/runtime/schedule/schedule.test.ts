import { strict as assert } from 'node:assert';
import { isDynpipeError } from '../../../runtime/errors.js';
import { createSchedule, scheduleAllStages } from '../../../runtime/schedule/schedule.js';
import type { ScheduleKind, ScheduleOptions } from '../../../runtime/schedule/schedule.js';
import { checkPipeline, type PipelineCase } from './invariants.js';

const STAGES = Array.from({ length: 16 }, (_, k) => k + 1);
const unique = (xs: number[]): number[] => [...new Set(xs)];
/**
 * A window at the start of training over unbounded channels, and one later on (first > 0, v0 > 0)
 * on replicated stages over channels of capacity 1 (a send waits until the previous one was received).
 */
const VARIANTS = [
  { first: 0, v0: 0, replicated: false, capacity: Infinity },
  { first: 5, v0: 3, replicated: true, capacity: 1 },
];

function* cases(extra: (p: number, n: number) => Array<Partial<ScheduleOptions>>): Generator<PipelineCase> {
  for (const stages of STAGES) {
    for (const microbatches of unique([1, 2, stages, 3 * stages + 1])) {
      for (const more of extra(stages, microbatches)) {
        for (const variant of VARIANTS) yield { stages, microbatches, ...variant, ...more };
      }
    }
  }
}

describe('schedule: every pipeline of 1-16 stages', () => {
  it('1f1b, inFlight in {default, 1, 2, stages + 2}: no deadlock, pairing, once-each, versions, stash and warm-up depth', () => {
    let checked = 0;
    for (const c of cases((p) => [{}, { inFlight: 1 }, { inFlight: 2 }, { inFlight: p + 2 }])) {
      checkPipeline('1f1b', c);
      checked++;
    }
    // (3 counts for p = 1 and 2, 4 for p = 3..16) x 4 in-flight depths x 2 variants
    assert.equal(checked, (2 * 3 + 14 * 4) * 4 * 2);
  });

  it('gpipe, microbatchesPerStep in {default, 1, 2, 3}: the same rules, steps = minibatches', () => {
    let checked = 0;
    for (const c of cases(() => [{}, { microbatchesPerStep: 1 }, { microbatchesPerStep: 2 }, { microbatchesPerStep: 3 }])) {
      checkPipeline('gpipe', c);
      checked++;
    }
    assert.equal(checked, (2 * 3 + 14 * 4) * 4 * 2);
  });
});

describe('createSchedule', () => {
  it('is lazy and repeatable: the same options give equal streams', () => {
    const opts = { stages: 3, stage: 1, microbatches: 5, first: 2, v0: 4 };
    const a = createSchedule('1f1b', opts);
    assert.deepEqual(a.next().value, [
      { kind: 'recv-act', mb: 2, fromStage: 0 },
      { kind: 'forward', mb: 2, version: 4 },
      { kind: 'send-act', mb: 2, toStage: 2 },
    ]);
    assert.deepEqual([...createSchedule('1f1b', opts)], [...createSchedule('1f1b', opts)]);
  });

  const rejects = (kind: string, opts: ScheduleOptions, message: string): void => {
    assert.throws(
      () => createSchedule(kind as ScheduleKind, opts),
      (e: unknown) => isDynpipeError(e, 'E_SCHEDULE') && e.message === message,
    );
  };

  it('names the invalid option', () => {
    const ok = { stages: 4, stage: 0, microbatches: 8 };
    rejects('1f1b', { ...ok, stages: 0 }, 'schedule: stages must be an integer >= 1, got 0');
    rejects('1f1b', { ...ok, stage: 4 }, 'schedule: stage 4 is out of range for 4 stages');
    rejects('1f1b', { ...ok, stage: -1 }, 'schedule: stage must be an integer >= 0, got -1');
    rejects('gpipe', { ...ok, microbatches: 0 }, 'schedule: microbatches must be an integer >= 1, got 0');
    rejects('1f1b', { ...ok, microbatches: 2.5 }, 'schedule: microbatches must be an integer >= 1, got 2.5');
    rejects('1f1b', { ...ok, inFlight: 0 }, 'schedule: inFlight must be an integer >= 1, got 0');
    rejects('gpipe', { ...ok, microbatchesPerStep: 0 }, 'schedule: microbatchesPerStep must be an integer >= 1, got 0');
    rejects('1f1b', { ...ok, first: -2 }, 'schedule: first must be an integer >= 0, got -2');
    rejects('1f1b', { ...ok, v0: NaN }, 'schedule: v0 must be an integer >= 0, got NaN');
    rejects('zb', ok, "schedule: unknown kind 'zb' (expected 1f1b or gpipe)");
    assert.throws(() => scheduleAllStages('1f1b', { stages: 0, microbatches: 1 }), (e: unknown) => isDynpipeError(e, 'E_SCHEDULE'));
  });
});
