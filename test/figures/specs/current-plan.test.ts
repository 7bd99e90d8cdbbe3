import { strict as assert } from 'node:assert';
import { currentPlanSpec } from '../../../figures/specs/current-plan.js';
import { renderBoth } from '../render-both.js';
import { roleTexts } from '../svg.js';

/** The lines of each <text> item of mark `name` (vega writes a multi-line label as <tspan>s). */
function textLines(svg: string, name: string): string[][] {
  const at = svg.indexOf(`role-mark ${name}"`);
  assert.ok(at >= 0, `no mark ${name}`);
  const body = svg.slice(at, svg.indexOf('</g>', at));
  return [...body.matchAll(/<text[^>]*>(.*?)<\/text>/g)].map((m) => {
    const spans = [...m[1].matchAll(/<tspan[^>]*>([^<]*)<\/tspan>/g)].map((t) => t[1]);
    return spans.length > 0 ? spans : [m[1]];
  });
}

describe('figure current-plan', () => {
  it('a bar per rank over its blocks, labelled with stage, blocks and predicted slowdown', async () => {
    const spec = currentPlanSpec([{ run: 'job', plan: { plan_version: 1, partition: [3, 1], stage_ranks: [[0], [1]] }, slowdowns: [1.02, 2.875] }]);
    const { svg } = await renderBoth(spec);
    assert.deepEqual(textLines(svg, 'rank_labels_0_marks'), [
      ['stage 0 · 3 blocks', 'predicted ×1.02'],
      ['stage 1 · 1 block', 'predicted ×2.88'],
    ]);
    assert.deepEqual(roleTexts(svg, 'title-text'), ['Plan v1: blocks per stage [3, 1]']);
    assert.deepEqual(roleTexts(svg, 'axis-label').slice(-2), ['rank 0', 'rank 1']);
  });
});
