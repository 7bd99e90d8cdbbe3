import { strict as assert } from 'node:assert';
import { predictorAccuracySpec } from '../../../figures/specs/predictor-accuracy.js';
import { renderBoth } from '../render-both.js';
import { fixtureRuns } from '../runs.js';
import { markItems, roleTexts } from '../svg.js';

describe('figure predictor-accuracy', () => {
  it('draws a point per window and the MAPE in the title', async () => {
    const { svg } = await renderBoth(predictorAccuracySpec(fixtureRuns()));
    assert.equal(markItems(svg, 'windows_marks').length, 3);
    assert.equal(markItems(svg, 'ideal_marks').length, 1);
    const mape = (100 * (0.2 / 1.8 + 0.1 / 1.2 + 0.2 / 1.8)) / 3; // predicted 2, 1.3, 2 vs measured 1.8, 1.2, 1.8
    assert.deepEqual(roleTexts(svg, 'title-text'), [`Predictor accuracy: MAPE ${mape.toFixed(1)}% over 3 windows`]);
    assert.deepEqual(roleTexts(svg, 'axis-title'), ['Predicted slowdown (×)', 'Measured slowdown (×)']);
  });
});
