import { strict as assert } from 'node:assert';
import { attachData, detachData } from '../../figures/named-data.js';
import { specToSvg } from '../../figures/render.js';
import { iterationTimeSpec } from '../../figures/specs/iteration-time.js';
import { timeToAccuracySpec } from '../../figures/specs/time-to-accuracy.js';
import { fixtureRuns } from './runs.js';

describe('figure specs with named data (the dashboard embeds them so)', () => {
  const [dyn, pd] = fixtureRuns();

  it('moves every inline dataset under its layer name and leaves the rest of the spec as it was', () => {
    const spec = iterationTimeSpec([dyn]);
    const d = detachData(spec);
    assert.deepEqual(Object.keys(d.datasets), ['interference_0_data', 'iterations_0_data', 'repartitions_0_data', 'repartition_labels_0_data']);
    assert.equal(d.datasets.iterations_0_data.length, 11);
    assert.deepEqual(d.datasets.repartitions_0_data, [{ plan_version: 1, time_s: 1.7, pause_ms: 220, label: 'v1: pause 220 ms' }]);
    assert.ok(!JSON.stringify(d.spec).includes('"values"'));
    // putting each dataset back where its name is gives the spec built
    const inline = (node: unknown): unknown =>
      Array.isArray(node) ? node.map(inline)
        : typeof node === 'object' && node !== null
          ? Object.fromEntries(Object.entries(node).map(([k, v]) => [k, k === 'data' ? { values: d.datasets[(v as { name: string }).name] } : inline(v)]))
          : node;
    assert.deepEqual(inline(d.spec), spec);
  });

  it('renders exactly like the inline spec', async () => {
    const spec = iterationTimeSpec([dyn]);
    assert.equal(await specToSvg(attachData(detachData(spec))), await specToSvg(spec));
  });

  it('has the same shape key when only values differ, another when the spec changes', () => {
    const early = { ...dyn, rows: dyn.rows.filter((r) => r.time_ms < 2300) };
    assert.equal(detachData(timeToAccuracySpec([early])).shapeKey, detachData(timeToAccuracySpec([dyn])).shapeKey);
    // without interference rows the panel has no interference layer: a new shape
    const calm = { ...dyn, rows: dyn.rows.filter((r) => r.row !== 'interference') };
    assert.notEqual(detachData(iterationTimeSpec([calm])).shapeKey, detachData(iterationTimeSpec([dyn])).shapeKey);
    assert.notEqual(detachData(iterationTimeSpec([pd])).shapeKey, detachData(iterationTimeSpec([dyn])).shapeKey);
  });
});
