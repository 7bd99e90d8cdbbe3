import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import type { Instruction } from '../../../runtime/schedule/instructions.js';
import { runLockstep } from '../../../runtime/schedule/lockstep.js';
import { createSchedule, scheduleAllStages } from '../../../runtime/schedule/schedule.js';
import { replayStash } from '../../../runtime/schedule/stash-ledger.js';
import { renderTimeline } from '../../../runtime/schedule/timeline.js';

/** The 4-stage x 8-microbatch picture, drawn by hand from PipeDream's rules; one-f-one-b.ts carries the same text. */
const TIMELINE_4X8 = [
  'round    0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17 18 19 20 21',
  'stage 0 F0 F1 F2 F3 .. .. .. B0 F4 B1 F5 B2 F6 B3 F7 B4 .. B5 .. B6 .. B7',
  'stage 1 .. F0 F1 F2 .. .. B0 F3 B1 F4 B2 F5 B3 F6 B4 F7 B5 .. B6 .. B7 ..',
  'stage 2 .. .. F0 F1 .. B0 F2 B1 F3 B2 F4 B3 F5 B4 F6 B5 F7 B6 .. B7 .. ..',
  'stage 3 .. .. .. F0 B0 F1 B1 F2 B2 F3 B3 F4 B4 F5 B5 F6 B6 F7 B7 .. .. ..',
].join('\n');

/** The source file's doc comment (tests run from dist/test/..., the source sits at the repository root). */
function sourceOf(file: string): string {
  return readFileSync(new URL(`../../../../runtime/schedule/${file}`, import.meta.url), 'utf8');
}

const compact = (is: Iterable<readonly Instruction[]>): string[] =>
  [...is].flat().filter((i) => i.kind === 'forward' || i.kind === 'backward' || i.kind === 'step').map((i) =>
    i.kind === 'step' ? `S${i.version}` : `${i.kind === 'forward' ? 'F' : 'B'}${i.mb}v${i.version}`,
  );

describe('1f1b schedule', () => {
  it('runs 4 stages x 8 microbatches as the documented timeline', () => {
    const run = runLockstep(scheduleAllStages('1f1b', { stages: 4, microbatches: 8 }));
    assert.ok(run.ok);
    assert.equal(renderTimeline(run.rounds, 4), TIMELINE_4X8);
    const documented = TIMELINE_4X8.split('\n').map((line) => ` *   ${line}`).join('\n');
    assert.ok(sourceOf('one-f-one-b.ts').includes(documented), 'one-f-one-b.ts must draw the same timeline');
  });

  it('stashes: stage 0 of 4 forwards with the live version and backwards with the forward\'s', () => {
    assert.deepEqual(compact(createSchedule('1f1b', { stages: 4, stage: 0, microbatches: 6 })), [
      ...['F0v0', 'F1v0', 'F2v0', 'F3v0'], // warm-up: 4 - 0 forwards at v0
      ...['B0v0', 'S0', 'F4v1', 'B1v0', 'S1', 'F5v2'], // steady: B then F
      ...['B2v0', 'S2', 'B3v0', 'S3', 'B4v1', 'S4', 'B5v2', 'S5'], // drain
    ]);
  });

  it('starts a later window at its first microbatch and version', () => {
    assert.deepEqual(compact(createSchedule('1f1b', { stages: 2, stage: 1, microbatches: 3, first: 10, v0: 7 })), [
      ...['F10v7'], // last stage: warm-up of 2 - 1 = 1
      ...['B10v7', 'S7', 'F11v8', 'B11v8', 'S8', 'F12v9'],
      ...['B12v9', 'S9'],
    ]);
  });

  it('admits inFlight - stage forwards, at least one, at most the window', () => {
    const warmUps = (inFlight: number, microbatches: number): number[] =>
      Array.from({ length: 4 }, (_, stage) => {
        const is = [...createSchedule('1f1b', { stages: 4, stage, microbatches, inFlight })].flat();
        return is.slice(0, is.findIndex((i) => i.kind === 'backward')).filter((i) => i.kind === 'forward').length;
      });
    assert.deepEqual(warmUps(4, 8), [4, 3, 2, 1]);
    assert.deepEqual(warmUps(6, 8), [6, 5, 4, 3]);
    assert.deepEqual(warmUps(2, 8), [2, 1, 1, 1]);
    assert.deepEqual(warmUps(1, 8), [1, 1, 1, 1]);
    assert.deepEqual(warmUps(4, 3), [3, 3, 2, 1]);
  });

  it('keeps at most W_s microbatches and W_s weight versions on stage s', () => {
    const streams = scheduleAllStages('1f1b', { stages: 4, microbatches: 8 });
    const ledgers = streams.map((slots, s) => replayStash(s, 0, slots));
    assert.deepEqual(ledgers.map((l) => l.maxInFlight), [4, 3, 2, 1]);
    assert.deepEqual(ledgers.map((l) => l.maxVersions), [4, 3, 2, 1]);
  });

  it('adds allreduce-grads before each step on a replicated stage', () => {
    const [first] = [...createSchedule('1f1b', { stages: 2, stage: 1, microbatches: 1, replicated: true })].slice(1);
    assert.deepEqual(first, [
      { kind: 'backward', mb: 0, version: 0 },
      { kind: 'send-grad', mb: 0, toStage: 0 },
      { kind: 'allreduce-grads', version: 0 },
      { kind: 'step', version: 0 },
    ]);
  });
});
