import { strict as assert } from 'node:assert';
import { isDynpipeError } from '../../../runtime/errors.js';
import type { Slot } from '../../../runtime/schedule/instructions.js';
import { describeFailure, runLockstep } from '../../../runtime/schedule/lockstep.js';
import { scheduleAllStages } from '../../../runtime/schedule/schedule.js';

/** Drops the first instruction of `stage`'s stream matching `kind` and `mb`. */
function without(streams: Slot[][], stage: number, kind: string, mb: number): Slot[][] {
  const copy = streams.map((slots) => slots.map((slot) => [...slot]));
  for (const slot of copy[stage]) {
    const k = slot.findIndex((i) => i.kind === kind && 'mb' in i && i.mb === mb);
    if (k >= 0) {
      slot.splice(k, 1);
      return copy;
    }
  }
  throw new Error(`no ${kind} mb ${mb} on stage ${stage}`);
}

describe('lockstep checker', () => {
  it('reports a deadlock when a stream misses one receive', () => {
    // 2 stages, 3 microbatches. Stage 1 skips recv-act mb 0, so act 0 stays at the head of its
    // channel: stage 1 can never receive act 1, and stage 0 waits for a gradient that never comes.
    const broken = without(scheduleAllStages('1f1b', { stages: 2, microbatches: 3 }), 1, 'recv-act', 0);
    const run = runLockstep(broken);
    assert.equal(run.ok, false);
    assert.deepEqual(run.stuck, [
      { stage: 0, instruction: { kind: 'recv-grad', mb: 1, fromStage: 1 }, reason: 'no-message' },
      { stage: 1, instruction: { kind: 'recv-act', mb: 1, fromStage: 0 }, reason: 'wrong-message', found: 0 },
    ]);
    assert.equal(
      describeFailure(run),
      [
        'stage 0 waits at recv-grad mb 1 from stage 1: no-message',
        'stage 1 waits at recv-act mb 1 from stage 0: wrong-message (channel holds mb 0)',
        'undelivered act mb 0 from stage 0 to stage 1',
        'undelivered act mb 1 from stage 0 to stage 1',
        'undelivered act mb 2 from stage 0 to stage 1',
      ].join('\n'),
    );
  });

  it('reports a send nobody receives even when every stream finishes', () => {
    const streams: Slot[][] = [[[{ kind: 'load-input', mb: 0 }, { kind: 'forward', mb: 0, version: 0 }, { kind: 'send-act', mb: 0, toStage: 1 }]], []];
    const run = runLockstep(streams);
    assert.deepEqual([run.ok, run.stuck, run.undelivered], [false, [], [{ from: 0, to: 1, payload: 'act', mb: 0, arrivalMs: 0 }]]);
  });

  it('deadlocks two stages that both send twice before receiving, at capacity 1 but not 2', () => {
    const a: Slot[] = [
      [{ kind: 'send-act', mb: 0, toStage: 1 }],
      [{ kind: 'send-act', mb: 1, toStage: 1 }],
      [{ kind: 'recv-grad', mb: 0, fromStage: 1 }],
      [{ kind: 'recv-grad', mb: 1, fromStage: 1 }],
    ];
    const b: Slot[] = [
      [{ kind: 'send-grad', mb: 0, toStage: 0 }],
      [{ kind: 'send-grad', mb: 1, toStage: 0 }],
      [{ kind: 'recv-act', mb: 0, fromStage: 0 }],
      [{ kind: 'recv-act', mb: 1, fromStage: 0 }],
    ];
    const tight = runLockstep([a, b], { capacity: 1 });
    assert.deepEqual(tight.stuck.map((w) => [w.stage, w.reason]), [[0, 'channel-full'], [1, 'channel-full']]);
    assert.equal(tight.rounds.length, 1);
    const roomy = runLockstep([a, b], { capacity: 2 });
    assert.ok(roomy.ok, describeFailure(roomy));
    assert.equal(roomy.rounds.length, 4);
  });

  it('reports an instruction naming a stage that does not exist', () => {
    const run = runLockstep([[[{ kind: 'recv-act', mb: 0, fromStage: 2 }]], []]);
    assert.deepEqual(run.stuck, [{ stage: 0, instruction: { kind: 'recv-act', mb: 0, fromStage: 2 }, reason: 'no-such-stage' }]);
  });

  it('receives a message no earlier than the round after its send', () => {
    const run = runLockstep(scheduleAllStages('1f1b', { stages: 3, microbatches: 1 }));
    const active = run.rounds.map((row) => row.map((slot, s) => (slot ? s : -1)).filter((s) => s >= 0));
    assert.deepEqual(active, [[0], [1], [2], [2], [1], [0]]); // F on 0, 1, 2, then B on 2, 1, 0
  });

  it('rejects a capacity below 1', () => {
    assert.throws(() => runLockstep([], { capacity: 0 }), (e: unknown) => isDynpipeError(e, 'E_SCHEDULE') && e.message === 'lockstep: capacity must be >= 1, got 0');
  });
});
