import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import type { Instruction } from '../../../runtime/schedule/instructions.js';
import { runLockstep } from '../../../runtime/schedule/lockstep.js';
import { createSchedule, scheduleAllStages } from '../../../runtime/schedule/schedule.js';
import { renderTimeline } from '../../../runtime/schedule/timeline.js';

/** 3 stages, 4 microbatches, 2 per step, drawn by hand; gpipe.ts carries the same text. */
const TIMELINE_3X4 = [
  'round    0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15',
  'stage 0 F0 F1 .. .. .. .. B1 B0 F2 F3 .. .. .. .. B3 B2',
  'stage 1 .. F0 F1 .. .. B1 B0 .. .. F2 F3 .. .. B3 B2 ..',
  'stage 2 .. .. F0 F1 B1 B0 .. .. .. .. F2 F3 B3 B2 .. ..',
].join('\n');

const compact = (is: Iterable<readonly Instruction[]>): string[] =>
  [...is].flat().filter((i) => i.kind === 'forward' || i.kind === 'backward' || i.kind === 'step').map((i) =>
    i.kind === 'step' ? `S${i.version}` : `${i.kind === 'forward' ? 'F' : 'B'}${i.mb}v${i.version}`,
  );

describe('gpipe schedule', () => {
  it('runs 3 stages x 4 microbatches, 2 per step, as the documented timeline', () => {
    const run = runLockstep(scheduleAllStages('gpipe', { stages: 3, microbatches: 4, microbatchesPerStep: 2 }));
    assert.ok(run.ok);
    assert.equal(renderTimeline(run.rounds, 3), TIMELINE_3X4);
    const source = readFileSync(new URL('../../../../runtime/schedule/gpipe.ts', import.meta.url), 'utf8');
    assert.ok(source.includes(TIMELINE_3X4.split('\n').map((line) => ` *   ${line}`).join('\n')), 'gpipe.ts must draw the same timeline');
  });

  it('flushes per minibatch: forwards, backwards in reverse, one step; versions constant within it', () => {
    assert.deepEqual(compact(createSchedule('gpipe', { stages: 2, stage: 0, microbatches: 5, microbatchesPerStep: 2, first: 3, v0: 6 })), [
      ...['F3v6', 'F4v6', 'B4v6', 'B3v6', 'S6'],
      ...['F5v7', 'F6v7', 'B6v7', 'B5v7', 'S7'],
      ...['F7v8', 'B7v8', 'S8'], // the last minibatch of the window is shorter
    ]);
  });

  it('takes the whole window as one minibatch by default', () => {
    assert.deepEqual(compact(createSchedule('gpipe', { stages: 3, stage: 2, microbatches: 3 })), ['F0v0', 'F1v0', 'F2v0', 'B2v0', 'B1v0', 'B0v0', 'S0']);
  });

  it('puts the step, after allreduce on a replicated stage, in the slot of the last backward', () => {
    const slots = [...createSchedule('gpipe', { stages: 2, stage: 0, microbatches: 2, replicated: true })];
    assert.equal(slots.length, 4);
    assert.deepEqual(slots[3], [
      { kind: 'recv-grad', mb: 0, fromStage: 1 },
      { kind: 'backward', mb: 0, version: 0 },
      { kind: 'allreduce-grads', version: 0 },
      { kind: 'step', version: 0 },
    ]);
  });
});
