import { strict as assert } from 'node:assert';
import { iterationTimeSpec } from '../../../figures/specs/iteration-time.js';
import { renderBoth } from '../render-both.js';
import { fixtureRuns } from '../runs.js';
import { markGroups, markItems, markTexts, roleTexts } from '../svg.js';

describe('figure iteration-time', () => {
  it('shades each interference window and marks each repartition, a panel per run', async () => {
    const { svg } = await renderBoth(iterationTimeSpec(fixtureRuns()));
    assert.equal(markItems(svg, 'interference_0_marks').length, 2); // dynpipe: heavy + light
    assert.equal(markItems(svg, 'interference_1_marks').length, 1); // pipedream: heavy
    assert.equal(markItems(svg, 'repartitions_0_marks').length, 1);
    assert.equal(markItems(svg, 'repartitions_1_marks').length, 0);
    assert.deepEqual(markTexts(svg, 'repartition_labels_0_marks'), ['v1: pause 220 ms']);
    assert.equal(markGroups(svg, 'iterations_0_marks'), 1);
    assert.equal(markItems(svg, 'concat_0_layer_1_layer_1_marks').length, 11); // iterations 1..11
    assert.ok(roleTexts(svg, 'axis-title').includes('Iteration time (ms)'));
    assert.deepEqual(roleTexts(svg, 'legend-title'), ['Interference']);
  });

  it('averages over windows of iterations', async () => {
    const { svg } = await renderBoth(iterationTimeSpec(fixtureRuns().slice(0, 1), 2));
    assert.equal(markItems(svg, 'layer_1_layer_1_marks').length, 5); // 11 iteration times -> 5 full pairs
  });
});
