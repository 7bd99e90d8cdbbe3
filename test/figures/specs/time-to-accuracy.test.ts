import { strict as assert } from 'node:assert';
import { timeToAccuracySpec } from '../../../figures/specs/time-to-accuracy.js';
import { renderBoth } from '../render-both.js';
import { fixtureRuns } from '../runs.js';
import { markGroups, markItems, roleTexts } from '../svg.js';

describe('figure time-to-accuracy', () => {
  it('draws a line per run through each eval and the target as a rule', async () => {
    const { svg } = await renderBoth(timeToAccuracySpec(fixtureRuns()));
    assert.equal(markGroups(svg, 'progress_marks'), 2); // one line per run
    assert.equal(markItems(svg, 'layer_0_layer_1_marks').length, 6); // 3 evals per run
    assert.equal(markItems(svg, 'target_marks').length, 1);
    assert.deepEqual(roleTexts(svg, 'title-text'), ['Time to accuracy']);
    assert.deepEqual(roleTexts(svg, 'axis-title'), ['Wall time since job start (s)', 'Eval accuracy (%)']);
  });

  it('falls back to loss without a target line when no run logged accuracy', async () => {
    const runs = fixtureRuns().map((r) => ({ ...r, rows: r.rows.filter((row) => row.row !== 'eval') }));
    const { svg } = await renderBoth(timeToAccuracySpec(runs));
    assert.equal(markItems(svg, 'layer_0_layer_1_marks').length, 24); // 12 last-stage losses per run
    assert.equal(markItems(svg, 'target_marks').length, 0);
    assert.deepEqual(roleTexts(svg, 'title-text'), ['Training loss over time']);
  });
});
