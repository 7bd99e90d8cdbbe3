import { strict as assert } from 'node:assert';
import type { Slot } from '../../../runtime/schedule/instructions.js';
import { renderTimeline, slotLabel } from '../../../runtime/schedule/timeline.js';

const f = (mb: number): Slot => [{ kind: 'load-input', mb }, { kind: 'forward', mb, version: 0 }];
const b = (mb: number): Slot => [{ kind: 'backward', mb, version: 0 }, { kind: 'step', version: 0 }];

describe('timeline', () => {
  it('labels a slot by its compute', () => {
    assert.deepEqual([slotLabel(f(12)), slotLabel(b(3)), slotLabel([{ kind: 'step', version: 0 }])], ['F12', 'B3', '?']);
  });

  it('widens every cell to the longest label and pads stage names', () => {
    const rounds = [[f(9), null], [f(10), null], [null, b(10)]];
    assert.equal(renderTimeline(rounds, 2), ['round     0   1   2', 'stage 0  F9 F10 ...', 'stage 1 ... ... B10'].join('\n'));
  });
});
