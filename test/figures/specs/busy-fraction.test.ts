import { strict as assert } from 'node:assert';
import { busyFractionSpec } from '../../../figures/specs/busy-fraction.js';
import { renderBoth } from '../render-both.js';
import { fixtureRuns } from '../runs.js';
import { markItems, roleTexts } from '../svg.js';

describe('figure busy-fraction', () => {
  it('draws a bar per rank and plan version, a panel per run', async () => {
    const runs = fixtureRuns();
    const both = await renderBoth(busyFractionSpec(runs));
    assert.equal(markItems(both.svg, 'bars_child_marks').length, 3 * 2 + 3); // dynpipe: 3 ranks x 2 plans
    const one = await renderBoth(busyFractionSpec(runs.slice(1)));
    assert.equal(markItems(one.svg, 'bars_marks').length, 3);
    assert.ok(roleTexts(one.svg, 'axis-title').includes('Busy fraction (%)'));
  });
});
