import assert from 'node:assert/strict';
import { phaseStates, type ProgressPhase } from '../../../runtime/experiment/interference-driver.js';

describe('interference driver: progress phases', () => {
  const phases: ProgressPhase[] = [
    { fromMicrobatch: 10, toMicrobatch: 20, specs: [] },
    { fromMicrobatch: 15, toMicrobatch: 40, specs: [] },
  ];

  it('a phase is on from its first microbatch up to, not including, its last', () => {
    assert.deepEqual(phaseStates(phases, 0), ['before', 'before']);
    assert.deepEqual(phaseStates(phases, 10), ['on', 'before']);
    assert.deepEqual(phaseStates(phases, 15), ['on', 'on']);
    assert.deepEqual(phaseStates(phases, 20), ['after', 'on']);
    assert.deepEqual(phaseStates(phases, 40), ['after', 'after']);
  });

  it('a jump past a whole phase reports it as after (it is started and stopped at once)', () => {
    assert.deepEqual(phaseStates(phases, 25), ['after', 'on']);
  });
});
