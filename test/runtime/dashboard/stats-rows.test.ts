import { strict as assert } from 'node:assert';
import type { ChangeRecord } from '../../../runtime/coordinator/coordinator.js';
import type { RankStats } from '../../../runtime/coordinator/rank-stats.js';
import { changeEventOf, changeRows, planEventOf, stepRowOf } from '../../../runtime/dashboard/stats-rows.js';
import { validateRow } from '../../../runtime/log/rank-log.js';
import { validatePlan } from '../../../runtime/plan/plan.js';
import { planJson } from '../migration/helpers.js';

const STATS: RankStats = { mb: 7, stage: 1, plan_version: 2, time_ms: 1234.5, forward_ms: 1.5, backward_ms: 3, recv_wait_ms: 0.25, send_wait_ms: 0.75, optimizer_ms: 0.5, rows: 8, loss: 2.25 };

describe('dashboard: stats and changes as log rows', () => {
  it('makes the step row the rank logs from the same stats', () => {
    const row = stepRowOf(3, STATS)!;
    assert.deepEqual(row, {
      row: 'step', time_ms: 1234.5, rank: 3, stage: 1, plan_version: 2, iteration: 7, microbatch: 7,
      forward_ms: 1.5, backward_ms: 3, recv_wait_ms: 0.25, send_wait_ms: 0.75, optimizer_ms: 0.5, loss: 2.25,
      samples_per_s: 8000 / 6, // 8 rows over 1.5 + 3 + 0.5 + 0.25 + 0.75 = 6 ms
    });
    assert.deepEqual(validateRow(row), row, 'a valid rank-log row');
    const { loss: _, plan_version: __, ...noLoss } = STATS;
    assert.deepEqual(Object.keys(stepRowOf(0, noLoss)!).includes('loss'), false);
    assert.equal(stepRowOf(0, noLoss)!.plan_version, 0);
  });

  it('drops malformed stats instead of passing them on', () => {
    for (const bad of [{ mb: -1 }, { mb: 1.5 }, { forward_ms: NaN }, { time_ms: -3 }, { rows: undefined }, { backward_ms: '3' }]) {
      assert.equal(stepRowOf(0, { ...STATS, ...bad } as unknown as RankStats), undefined, JSON.stringify(bad));
    }
  });

  it('turns a plan change into a plan event, a change event and one repartition row per rank of the new plan', () => {
    const plan = validatePlan(planJson([1, 3], [[0, 1], [2]]));
    const c: ChangeRecord = { planVersion: 1, source: 'admin', fromPartition: [2, 2], toPartition: [1, 3], plan, cutAt: 40, pauseMs: 30, timeMs: 5030 };
    assert.deepEqual(planEventOf(plan, 1, 5030, 'admin'), { plan_version: 1, partition: [1, 3], stage_ranks: [[0, 1], [2]], time_ms: 5030, source: 'admin' });
    assert.deepEqual(changeEventOf(c), { plan_version: 1, source: 'admin', from_partition: [2, 2], to_partition: [1, 3], cut_at: 40, pause_ms: 30, time_ms: 5000 });
    const rows = changeRows(c);
    assert.deepEqual(rows.map((r) => [r.rank, r.stage, r.time_ms, r.pause_ms, r.iteration, r.plan_version]), [[0, 0, 5000, 30, 40, 1], [1, 0, 5000, 30, 40, 1], [2, 1, 5000, 30, 40, 1]]);
    for (const r of rows) assert.deepEqual(validateRow(r), r);
  });
});
