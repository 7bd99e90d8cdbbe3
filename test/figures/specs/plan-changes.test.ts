import { strict as assert } from 'node:assert';
import { planChangesSpec } from '../../../figures/specs/plan-changes.js';
import { renderBoth } from '../render-both.js';
import { fixtureRuns } from '../runs.js';
import { markItems, markTexts, roleTexts } from '../svg.js';

describe('figure plan-changes', () => {
  it('draws a segment per stage of each plan, labelled with its block count', async () => {
    const { svg } = await renderBoth(planChangesSpec(fixtureRuns()));
    assert.equal(markItems(svg, 'stages_0_marks').length, 6); // initial 3-3-3 and v1 4-2-3
    assert.deepEqual(markTexts(svg, 'block_counts_0_marks'), ['3', '3', '3', '4', '2', '3']);
    assert.ok(roleTexts(svg, 'axis-label').includes('v1 at 1.7 s'));
    assert.ok(roleTexts(svg, 'axis-title').includes('Blocks, in model order'));
  });
});
