import { strict as assert } from 'node:assert';
import { throughputSpec } from '../../../figures/specs/throughput.js';
import { renderBoth } from '../render-both.js';
import { fixtureRuns } from '../runs.js';
import { markItems, markTexts, roleTexts } from '../svg.js';

describe('figure throughput', () => {
  it('draws one bar per run labelled with its samples/s', async () => {
    const { svg } = await renderBoth(throughputSpec(fixtureRuns()));
    assert.equal(markItems(svg, 'bars_marks').length, 2);
    // 11 completions after the first x 8 samples over 1.52 s (dynpipe) and 1.25 s (pipedream)
    assert.deepEqual(markTexts(svg, 'values_marks'), [(88 / 1.52).toFixed(1), (88 / 1.25).toFixed(1)]);
    assert.deepEqual(roleTexts(svg, 'axis-title'), ['Model', 'Throughput (samples/s)']);
    assert.deepEqual(roleTexts(svg, 'legend-title'), ['Mode']);
  });
});
