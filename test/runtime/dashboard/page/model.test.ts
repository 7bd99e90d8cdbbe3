/** The page's model, text and panels, in Node: the same modules the browser loads. */
import { strict as assert } from 'node:assert';
import { detachData } from '../../../../figures/named-data.js';
import type { DashboardEvent } from '../../../../runtime/dashboard/events.js';
import { changeTable, factsOf } from '../../../../runtime/dashboard/page/facts.js';
import { DashboardModel } from '../../../../runtime/dashboard/page/model.js';
import { dashboardPanels, panelWindows, pointsWindow } from '../../../../runtime/dashboard/page/panels.js';
import { validateRow } from '../../../../runtime/log/rank-log.js';
import { dynpipeRows } from '../../../fixtures/run-logs.js';

const RUN: DashboardEvent = { kind: 'run', run: { name: 'vgg16 dynpipe', model: 'vgg16', mode: 'dynpipe', microbatchSize: 8, worldSize: 3, firstMicrobatch: 0, numMinibatches: 12, source: 'live' } };

function modelWith(events: DashboardEvent[]): DashboardModel {
  const m = new DashboardModel();
  for (const e of events) m.apply(e);
  return m;
}

describe('dashboard page model', () => {
  const rows = dynpipeRows().map((r) => validateRow(r));

  it('waits with each figure’s reason until the stream brings data', () => {
    const m = modelWith([RUN]);
    const panels = dashboardPanels(m);
    assert.deepEqual(panels.map((p) => ('waiting' in p ? `${p.id}: ${p.waiting}` : p.id)), [
      'plan: the plan arrives with the run',
      'iterations: the logs have no two consecutive iterations',
      'ranks: the logs have no rank with more than 20 step rows under one plan',
      'loss: the logs have no eval rows and no training loss',
      'plans: the logs have no repartition rows',
    ]);
    assert.deepEqual(factsOf(m, true), {
      status: 'live', run: 'vgg16, mode dynpipe, 3 ranks, microbatch size 8', progress: 'microbatch 0 of 12', plan: 'not known yet',
      prediction: 'no decision yet (pipedream mode and --no-policy make none)', loss: 'none yet',
    });
  });

  it('folds plans, rows, decisions and changes into the facts and the panels', () => {
    const m = modelWith([
      RUN,
      { kind: 'plan', plan: { plan_version: 0, partition: [3, 3, 3], stage_ranks: [[0], [1], [2]], time_ms: 0, source: 'initial' } },
      { kind: 'rows', rows },
      { kind: 'decision', decision: { time_ms: 1500, iteration: 5, plan_version: 0, action: 'repartition', slowdowns: [1, 1.8, 1.004], current_ms_per_iter: 150, proposed_ms_per_iter: 110, proposed_partition: [4, 2, 3], reason: 'gain 40 ms/iter' } },
      { kind: 'plan', plan: { plan_version: 1, partition: [4, 2, 3], stage_ranks: [[0], [1], [2]], time_ms: 1920, source: 'policy' } },
      { kind: 'change', change: { plan_version: 1, source: 'policy', from_partition: [3, 3, 3], to_partition: [4, 2, 3], cut_at: 6, pause_ms: 212.34, time_ms: 1700 } },
      { kind: 'end', end: { ok: true, message: 'trained 12 microbatches' } },
    ]);
    assert.equal(m.plan?.plan_version, 1);
    assert.equal(m.microbatchesDone, 12);
    assert.deepEqual(m.latestLoss, { microbatch: 11, loss: 2.5 - 0.1 * 11 });
    const facts = factsOf(m, false);
    assert.equal(facts.status, 'finished: trained 12 microbatches');
    assert.equal(facts.plan, 'v1 [4, 2, 3]: stage 0 on rank 0; stage 1 on rank 1; stage 2 on rank 2 (policy, from 1.9 s)');
    assert.equal(facts.prediction, 'rank 0 ×1.00, rank 1 ×1.80, rank 2 ×1.00 at microbatch 5: repartition (gain 40 ms/iter)');
    assert.equal(facts.loss, `${(2.5 - 0.1 * 11).toFixed(4)} at microbatch 11`);
    assert.deepEqual(changeTable(m), [['v1', 'policy', '1.7 s', '6', '[3, 3, 3] → [4, 2, 3]', '212.3 ms']]);

    const panels = dashboardPanels(m);
    const waiting = panels.filter((p) => 'waiting' in p).map((p) => p.id);
    assert.deepEqual(waiting, ['ranks'], 'rank activity needs more than 20 rows per rank and plan; the fixture has 6');
    const plan = panels.find((p) => p.id === 'plan')!;
    assert.ok('spec' in plan);
    const bars = detachData(plan.spec).datasets.ranks_0_data as Array<{ rank: number; start_block: number; end_block: number; predicted_slowdown: number }>;
    assert.deepEqual(bars.map((b) => [b.rank, b.start_block, b.end_block, b.predicted_slowdown]), [[0, 0, 4, 1], [1, 4, 6, 1.8], [2, 6, 9, 1.004]]);
  });

  it('starts afresh on each run event: a reconnecting page gets the snapshot again, not twice', () => {
    const events: DashboardEvent[] = [RUN, { kind: 'rows', rows }, { kind: 'end', end: { ok: true, message: 'done' } }];
    const m = modelWith([...events, ...events]);
    assert.equal(m.rows.length, rows.length);
    assert.equal(m.microbatchesDone, 12);
    m.apply(RUN);
    assert.deepEqual([m.rows.length, m.microbatchesDone, m.end, m.latestLoss], [0, 0, undefined, undefined]);
  });

  it('averages more microbatches per point as the run grows', () => {
    assert.deepEqual([pointsWindow(0, 300), pointsWindow(300, 300), pointsWindow(301, 300), pointsWindow(10, 100, 20)], [1, 1, 2, 20]);
    const m = modelWith([RUN, { kind: 'rows', rows: [{ ...rows.find((r) => r.row === 'step')!, microbatch: 4999 } as never] }]);
    assert.deepEqual(panelWindows(m), { iterations: 17, ranks: 50 });
  });
});
