/** Per-rank windows, checked against numbers worked out by hand from test/fixtures/run-logs.ts. */
import { strict as assert } from 'node:assert';
import { rankActivity } from '../../figures/rank-activity-data.js';
import { isDynpipeError } from '../../runtime/errors.js';
import { fixtureRuns } from './runs.js';

describe('figure data: rank activity', () => {
  const [dyn] = fixtureRuns();

  it('windows of 2 microbatches per rank and plan, each starting where the last ended', () => {
    const points = rankActivity([dyn], 2);
    assert.equal(points.length, 12); // 3 ranks x 2 plans x 2 full windows of the 6 rows
    const rank1 = points.filter((p) => p.rank === 1).map(({ plan_version, time_s, iteration_ms, busy_fraction }) => [plan_version, time_s, iteration_ms, busy_fraction]);
    // rank 1, v0: rows at 1010 1110 1210 1310 1460 1610, compute 65 65 65 65 117 117
    //   (1010, 1210]: 200 ms, 2 rows of 65 -> 100 ms/iteration, busy 130/200
    //   (1210, 1460]: 250 ms, 65 + 117 -> 125 ms/iteration, busy 182/250
    // rank 1, v1: rows at 1960 2070 2180 2290 2410 2530, compute 50 each
    assert.deepEqual(rank1, [
      [0, 1.21, 100, 130 / 200],
      [0, 1.46, 125, 182 / 250],
      [1, 2.18, 110, 100 / 220],
      [1, 2.41, 115, 100 / 230],
    ]);
    assert.deepEqual(points.filter((p) => p.rank === 0).map((p) => p.busy_fraction), [130 / 200, 130 / 250, 160 / 220, 160 / 230]);
    assert.deepEqual([...new Set(points.map((p) => `${p.rank_label}/${p.run}`))], ['rank 0/dynpipe', 'rank 1/dynpipe', 'rank 2/dynpipe']);
  });

  it('one window per row after the first with a window of 1; none when no rank has more rows than the window', () => {
    assert.equal(rankActivity([dyn], 1).length, 30); // 6 groups of 6 rows
    assert.throws(() => rankActivity([dyn], 6), (e) => isDynpipeError(e, 'E_DATA') && /more than 6 step rows/.test(e.message));
    assert.throws(() => rankActivity([dyn], 0), (e) => isDynpipeError(e, 'E_USAGE'));
  });
});
