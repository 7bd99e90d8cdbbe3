import { strict as assert } from 'node:assert';
import { rankActivitySpec } from '../../../figures/specs/rank-activity.js';
import { renderBoth } from '../render-both.js';
import { fixtureRuns } from '../runs.js';
import { markGroups, markItems, roleTexts } from '../svg.js';

describe('figure rank-activity', () => {
  it('draws a line per rank for iteration time and for busy fraction, and marks the repartition on both', async () => {
    const { svg } = await renderBoth(rankActivitySpec(fixtureRuns().slice(0, 1), 2));
    assert.equal(markGroups(svg, 'rank_iterations_0_marks'), 3);
    assert.equal(markGroups(svg, 'rank_busy_0_marks'), 3);
    assert.equal(markItems(svg, 'rank_iterations_0_changes_marks').length, 1);
    assert.equal(markItems(svg, 'rank_busy_0_changes_marks').length, 1);
    assert.deepEqual(roleTexts(svg, 'legend-label'), ['rank 0', 'rank 1', 'rank 2']);
    assert.ok(roleTexts(svg, 'axis-title').includes('Busy fraction (%)'));
  });

  it('a pair of charts per run, titled with the run, when comparing runs', async () => {
    const { svg } = await renderBoth(rankActivitySpec(fixtureRuns(), 2));
    assert.equal(markGroups(svg, 'rank_busy_1_marks'), 3);
    assert.equal(markItems(svg, 'rank_busy_1_changes_marks').length, 0); // pipedream: no repartition
    assert.deepEqual(roleTexts(svg, 'title-text'), ['dynpipe: iteration time', 'dynpipe: busy fraction', 'pipedream: iteration time', 'pipedream: busy fraction', 'Per-rank iteration time and busy fraction']);
  });
});
