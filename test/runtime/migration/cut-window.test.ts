import { strict as assert } from 'node:assert';
import { CutGate, CutWindow } from '../../../runtime/migration/cut-window.js';
import { createSchedule, type ScheduleKind } from '../../../runtime/schedule/schedule.js';
import type { Slot } from '../../../runtime/schedule/instructions.js';
import { isDynpipeError } from '../../../runtime/errors.js';

/** Runs a window, calling `at(k)` before slot k is pulled; returns the slots it yielded. */
async function drive(w: CutWindow, at: (k: number) => void = () => undefined): Promise<Slot[]> {
  const out: Slot[] = [];
  const it = w[Symbol.asyncIterator]();
  for (let k = 0; ; k++) {
    at(k);
    const r = await it.next();
    if (r.done) return out;
    out.push(r.value);
  }
}

function window(kind: ScheduleKind, stage: number, first: number, microbatches: number, gate: CutGate, extra: { v0?: number; microbatchesPerStep?: number } = {}): CutWindow {
  return new CutWindow({ kind, schedule: { stages: 3, stage, first, microbatches, inFlight: 3, ...extra }, gate, holdTimeoutMs: 2000, who: `stage ${stage}` });
}

describe('cut window', () => {
  for (const stage of [0, 1, 2]) {
    it(`1f1b stage ${stage}: a cut agreed mid-window runs exactly the schedule of [first, M)`, async () => {
      const gate = new CutGate();
      const w = window('1f1b', stage, 5, 20, gate, { v0: 5 });
      const got = await drive(w, (k) => (k === 4 ? gate.decide({ planVersion: 1, cutAt: 12 }) : undefined));
      assert.deepEqual(got, [...createSchedule('1f1b', { stages: 3, stage, first: 5, microbatches: 7, inFlight: 3, v0: 5 })]);
      assert.deepEqual(w.cut, { planVersion: 1, cutAt: 12 });
    });
  }

  it('gpipe: a cut at a flush boundary keeps the executed prefix', async () => {
    const gate = new CutGate();
    const w = window('gpipe', 1, 0, 12, gate, { microbatchesPerStep: 4 });
    const got = await drive(w, (k) => (k === 3 ? gate.decide({ planVersion: 2, cutAt: 8 }) : undefined));
    assert.deepEqual(got, [...createSchedule('gpipe', { stages: 3, stage: 1, first: 0, microbatches: 8, microbatchesPerStep: 4 })]);
  });

  it('refuses a cut below a microbatch already forwarded, naming both', async () => {
    const gate = new CutGate();
    const w = window('1f1b', 0, 0, 20, gate);
    await assert.rejects(
      drive(w, (k) => (k === 6 ? gate.decide({ planVersion: 1, cutAt: 3 }) : undefined)),
      (e: unknown) => isDynpipeError(e, 'E_MIGRATION') && /cannot cut at microbatch 3 .* microbatch \d+ was already forwarded/.test(e.message),
    );
  });

  it('holds before forwarding at the hold point until the decision, then cuts there', async () => {
    const gate = new CutGate();
    const w = window('1f1b', 0, 0, 20, gate);
    gate.hold(6);
    const got: Slot[] = [];
    const it = w[Symbol.asyncIterator]();
    let pending = it.next();
    for (;;) {
      const raced = await Promise.race([pending, new Promise<'held'>((r) => setTimeout(() => r('held'), 50))]);
      if (raced === 'held') break;
      if (raced.done) assert.fail('window ended without holding');
      got.push(raced.value);
      pending = it.next();
    }
    assert.equal(w.nextForward, 6, 'held before forwarding microbatch 6');
    gate.decide({ planVersion: 1, cutAt: 6 });
    for (let r = await pending; !r.done; r = await it.next()) got.push(r.value);
    assert.deepEqual(got, [...createSchedule('1f1b', { stages: 3, stage: 0, microbatches: 6, inFlight: 3 })]);
  });

  // Windows that end before the job (periodic checkpoints) hand a later cut to the next window.
  it('a cut at or past the window\'s end is deferred to the next window, which applies it', async () => {
    const gate = new CutGate();
    const w = window('1f1b', 1, 0, 4, gate);
    const got = await drive(w, (k) => (k === 2 ? gate.decide({ planVersion: 1, cutAt: 6 }) : undefined));
    assert.deepEqual(got, [...createSchedule('1f1b', { stages: 3, stage: 1, first: 0, microbatches: 4, inFlight: 3 })]);
    assert.equal(w.cut, undefined);
    assert.deepEqual(w.deferred, { planVersion: 1, cutAt: 6 });
    assert.deepEqual(w.cancelled, []);

    gate.decide(w.deferred!);
    const next = window('1f1b', 1, 4, 4, gate, { v0: 4 });
    assert.deepEqual(await drive(next), [...createSchedule('1f1b', { stages: 3, stage: 1, first: 4, microbatches: 2, inFlight: 3, v0: 4 })]);
    assert.deepEqual(next.cut, { planVersion: 1, cutAt: 6 });

    gate.decide({ planVersion: 2, cutAt: 8 });
    const atStart = window('1f1b', 1, 8, 4, gate, { v0: 8 });
    assert.deepEqual(await drive(atStart), [], 'a cut at the window\'s first microbatch runs nothing');
    assert.deepEqual(atStart.cut, { planVersion: 2, cutAt: 8 });
  });

  it('a cancelled hold runs the whole window; a hold without a decision times out', async () => {
    const gate = new CutGate();
    gate.hold(2);
    const w = window('1f1b', 2, 0, 6, gate);
    setTimeout(() => gate.decide({ planVersion: 1, cutAt: null }), 20);
    assert.equal((await drive(w)).length, 12);
    assert.equal(w.cut, undefined);
    assert.deepEqual(w.cancelled, [{ planVersion: 1, cutAt: null }]);

    const stuck = new CutGate();
    stuck.hold(1);
    const v = new CutWindow({ kind: '1f1b', schedule: { stages: 3, stage: 0, first: 0, microbatches: 6, inFlight: 3 }, gate: stuck, holdTimeoutMs: 30, who: 'rank 0' });
    await assert.rejects(drive(v), (e: unknown) => isDynpipeError(e, 'E_PEER_TIMEOUT') && /rank 0: holding at microbatch 1/.test(e.message));
  });
});
