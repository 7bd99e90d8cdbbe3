import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import { runDutyCycle } from '../../../profile/interfere/duty-cycle.js';
import { PauseGate } from '../../../profile/interfere/pause-gate.js';

describe('duty cycle with a pause gate', () => {
  it('does no step while paused, works again once resumed, and ends on abort even while paused', async () => {
    const gate = new PauseGate();
    const abort = new AbortController();
    let steps = 0;
    const loop = runDutyCycle({ intensity: 1, periodMs: 20 }, () => void steps++, abort.signal, gate);
    await sleep(30);
    assert.ok(steps > 0, 'running before the pause');
    gate.pause();
    await sleep(5); // the step in progress (if any) finishes
    const atPause = steps;
    await sleep(50);
    assert.equal(steps, atPause, 'no step while paused');
    gate.resume();
    await sleep(30);
    assert.ok(steps > atPause, 'running again after resume');
    gate.pause();
    abort.abort();
    await loop; // would hang if the paused loop ignored the abort
    assert.equal(gate.paused, true);
  });

  it('resolves wait() at once while open, and a second pause or resume changes nothing', async () => {
    const gate = new PauseGate();
    const never = new AbortController().signal;
    await gate.wait(never);
    gate.pause();
    gate.pause();
    let woke = false;
    const waiting = gate.wait(never).then(() => (woke = true));
    await sleep(5);
    assert.equal(woke, false);
    gate.resume();
    gate.resume();
    await waiting;
    assert.equal(gate.paused, false);
  });
});
