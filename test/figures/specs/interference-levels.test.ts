import { strict as assert } from 'node:assert';
import { interferenceLevelsSpec } from '../../../figures/specs/interference-levels.js';
import { renderBoth } from '../render-both.js';
import { fixtureRuns } from '../runs.js';
import { markItems, markTexts, roleTexts } from '../svg.js';

describe('figure interference-levels', () => {
  it('draws a bar per run and level present, labelled with the iterations averaged', async () => {
    const { svg } = await renderBoth(interferenceLevelsSpec(fixtureRuns()));
    // dynpipe: none 7, light 2, heavy 2; pipedream: none 9, heavy 2
    assert.equal(markItems(svg, 'bars_marks').length, 5);
    assert.deepEqual(markTexts(svg, 'counts_marks').sort(), ['2', '2', '2', '7', '9']);
    assert.ok(roleTexts(svg, 'axis-title').includes('Mean iteration time (ms)'));
  });
});
