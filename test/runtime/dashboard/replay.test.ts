import { strict as assert } from 'node:assert';
import type { DashboardEvent, DecisionEvent, RunInfo } from '../../../runtime/dashboard/events.js';
import { play, replayTimeline, type TimedEvent } from '../../../runtime/dashboard/replay.js';
import { validateRow, type RankLogRow } from '../../../runtime/log/rank-log.js';
import { dynpipeRows, pipedreamRows } from '../../fixtures/run-logs.js';

const RUN: RunInfo = { name: 'fixture', model: 'vgg16', mode: 'dynpipe', microbatchSize: 8, worldSize: 3, firstMicrobatch: 0, numMinibatches: 12, source: 'replay', speed: 2 };
const rows = (): RankLogRow[] => dynpipeRows().map((r) => validateRow(r)).sort((a, b) => a.time_ms - b.time_ms);
const DECISION: DecisionEvent = { time_ms: 1500, iteration: 5, plan_version: 0, action: 'repartition', slowdowns: [1, 1.8, 1], current_ms_per_iter: 150, proposed_ms_per_iter: 110, proposed_partition: [4, 2, 3], reason: 'gain' };

const label = (t: TimedEvent): string => {
  const e = t.event;
  if (e.kind === 'rows') return `${t.at_ms} rows ${e.rows.map((r) => r.row).join(',')}`;
  if (e.kind === 'plan') return `${t.at_ms} plan v${e.plan.plan_version} [${e.plan.partition.join(',')}] ${JSON.stringify(e.plan.stage_ranks)} ${e.plan.source}`;
  if (e.kind === 'change') return `${t.at_ms} change v${e.change.plan_version} pause ${e.change.pause_ms} cut ${e.change.cut_at}`;
  return `${t.at_ms} ${e.kind}`;
};

describe('dashboard replay', () => {
  it('turns the logs into the live stream: first plan from the first repartition, a plan and change per repartition', () => {
    const timeline = replayTimeline({ run: RUN, rows: rows(), decisions: [DECISION] });
    const shown = timeline.map(label).filter((l) => !/rows step$/.test(l));
    assert.deepEqual(shown, [
      '0 run',
      '0 plan v0 [3,3,3] [[0],[1],[2]] logged',
      '1325 rows interference',
      '1400 rows eval',
      '1500 decision',
      // v1: earliest pause start 1700 (ranks paused at 1700/1701/1702), longest pause 220
      '1700 plan v1 [4,2,3] [[0],[1],[2]] logged',
      '1700 rows repartition,repartition,repartition',
      '1700 change v1 pause 220 cut 6',
      '2100 rows eval',
      '2305 rows interference',
      '2600 rows eval',
      '2600 end',
    ]);
    assert.equal(timeline.filter((t) => t.event.kind === 'rows').flatMap((t) => (t.event as Extract<DashboardEvent, { kind: 'rows' }>).rows).length, rows().length, 'every row once');
    const end = timeline[timeline.length - 1].event as Extract<DashboardEvent, { kind: 'end' }>;
    assert.deepEqual(end.end, { ok: true, message: 'replayed 36 step rows and 1 repartition of fixture' });
  });

  it('takes the first plan from a plan file when given; without one and without repartitions shows none', () => {
    const given = replayTimeline({ run: RUN, rows: rows(), decisions: [], initialPlan: { plan_version: 0, partition: [3, 3, 3], stage_ranks: [[2], [1], [0]] } });
    assert.equal(label(given[1]), '0 plan v0 [3,3,3] [[2],[1],[0]] initial');
    const none = replayTimeline({ run: RUN, rows: pipedreamRows().map((r) => validateRow(r)), decisions: [] });
    assert.equal(none.filter((t) => t.event.kind === 'plan').length, 0);
  });

  it('plays at `speed` times real time: each event at the first tick it is due, rows of a tick together', async () => {
    const timeline = replayTimeline({ run: RUN, rows: rows(), decisions: [DECISION] });
    let clock = 0;
    const published: Array<{ at: number; e: DashboardEvent }> = [];
    await play(timeline, {
      speed: 2, tickMs: 100, now: () => clock,
      sleep: async (ms) => {
        assert.equal(ms, 100);
        clock += ms;
      },
      publish: (e) => published.push({ at: clock, e }),
    });
    const due = (jobMs: number) => Math.ceil(jobMs / 2 / 100) * 100; // real ms of the first tick at or after it is due
    const out = published.flatMap(({ at, e }) => (e.kind === 'rows' ? e.rows.map((r) => ({ at, jobMs: r.time_ms })) : []));
    assert.equal(out.length, rows().length);
    for (const { at, jobMs } of out) assert.equal(at, due(jobMs), `row of job ms ${jobMs}`);
    // job ms (1000, 1200] come due in the tick at real 600: the rows of 1010 ... 1200 in one event
    const at600 = published.filter((p) => p.at === 600);
    assert.deepEqual(at600.map((p) => (p.e.kind === 'rows' ? p.e.rows.map((r) => r.time_ms) : p.e.kind)), [[1010, 1020, 1100, 1110, 1120, 1200]]);
    assert.deepEqual(published.slice(0, 2).map((p) => [p.at, p.e.kind]), [[0, 'run'], [0, 'plan']]);
    assert.deepEqual([published[published.length - 1].at, published[published.length - 1].e.kind], [1300, 'end']);
    assert.equal(published.findIndex((p) => p.e.kind === 'decision'), published.findIndex((p) => p.at === 800 && p.e.kind === 'decision'), 'the decision at job 1500 comes at real 800');
  });
});
