import { strict as assert } from 'node:assert';
import type { DashboardEvent } from '../../../runtime/dashboard/events.js';
import { DashboardFeed, type FeedClient } from '../../../runtime/dashboard/feed.js';
import type { RankLogRow, StepRow } from '../../../runtime/log/rank-log.js';

function step(microbatch: number): StepRow {
  return { row: 'step', time_ms: microbatch, rank: 0, stage: 0, plan_version: 0, iteration: microbatch, microbatch, forward_ms: 1, backward_ms: 1, recv_wait_ms: 0, send_wait_ms: 0, optimizer_ms: 0, samples_per_s: 1 };
}

/** A page that records every event it is sent; `accept` false makes it refuse (gone). */
class Page implements FeedClient {
  events: DashboardEvent[] = [];
  closed = false;
  accept = true;
  send(frame: string): boolean {
    assert.match(frame, /^data: [^\n]*\n\n$/);
    this.events.push(JSON.parse(frame.slice('data: '.length)) as DashboardEvent);
    return this.accept;
  }
  close(): void {
    this.closed = true;
  }
  kinds(): string[] {
    return this.events.map((e) => (e.kind === 'rows' ? `rows ${e.rows.length}` : e.kind));
  }
}

const RUN: DashboardEvent = { kind: 'run', run: { name: 'r', model: 'mlp', mode: 'dynpipe', microbatchSize: 8, worldSize: 1, firstMicrobatch: 0, numMinibatches: 10, source: 'live' } };
const PLAN: DashboardEvent = { kind: 'plan', plan: { plan_version: 0, partition: [4], stage_ranks: [[0]], time_ms: 0, source: 'initial' } };

describe('dashboard feed', () => {
  const said: string[] = [];
  const feed = (o: Partial<{ maxRows: number; flushMs: number }> = {}) => new DashboardFeed({ flushMs: o.flushMs ?? 10_000, maxRows: o.maxRows ?? 100, maxDecisions: 10, say: (l) => said.push(l) });
  beforeEach(() => said.splice(0));

  it('gives a late page everything so far, then new events; rows come in batches', () => {
    const f = feed();
    f.publish(RUN);
    f.publish(PLAN);
    f.publish({ kind: 'rows', rows: [step(0), step(1)] });
    const page = new Page();
    f.subscribe(page);
    assert.deepEqual(page.kinds(), ['run', 'plan', 'rows 2']);
    f.publish({ kind: 'rows', rows: [step(2)] });
    f.publish({ kind: 'rows', rows: [step(3)] });
    assert.deepEqual(page.kinds(), ['run', 'plan', 'rows 2'], 'rows wait for the batch');
    f.flush();
    assert.deepEqual(page.kinds(), ['run', 'plan', 'rows 2', 'rows 2']);
    f.publish({ kind: 'rows', rows: [step(4)] });
    f.publish({ kind: 'end', end: { ok: true, message: 'done' } });
    assert.deepEqual(page.kinds().slice(4), ['rows 1', 'end'], 'pending rows go out before the next event');
    const late = new Page();
    f.subscribe(late);
    assert.deepEqual(late.kinds(), ['run', 'plan', 'rows 5', 'end']);
    assert.deepEqual((late.events[2] as Extract<DashboardEvent, { kind: 'rows' }>).rows.map((r) => (r as StepRow).microbatch), [0, 1, 2, 3, 4]);
  });

  it('sends a batch by itself after flushMs', async () => {
    const f = feed({ flushMs: 20 });
    const page = new Page();
    f.subscribe(page);
    f.publish({ kind: 'rows', rows: [step(0)] });
    f.publish({ kind: 'rows', rows: [step(1)] });
    await new Promise((r) => setTimeout(r, 80));
    assert.deepEqual(page.kinds(), ['rows 2']);
  });

  it('drops a page that refuses, keeps serving the others, and closes pages on close', () => {
    const f = feed();
    const gone = new Page();
    const stays = new Page();
    f.subscribe(gone);
    f.subscribe(stays);
    gone.accept = false;
    f.publish(RUN);
    f.publish(PLAN);
    assert.equal(f.clientCount, 1);
    assert.deepEqual(gone.kinds(), ['run']);
    assert.deepEqual(stays.kinds(), ['run', 'plan']);
    f.close();
    assert.ok(stays.closed);
    assert.equal(f.clientCount, 0);
  });

  it('keeps the newest maxRows step rows and every other row', () => {
    const f = feed({ maxRows: 4 });
    const move: RankLogRow = { row: 'repartition', time_ms: 2.5, rank: 0, stage: 0, plan_version: 1, pause_ms: 1, old_partition: [4], new_partition: [4] };
    f.publish({ kind: 'rows', rows: [step(0), step(1), step(2), move] });
    f.publish({ kind: 'rows', rows: [3, 4, 5].map(step) });
    const page = new Page();
    f.subscribe(page);
    const rows = (page.events[0] as Extract<DashboardEvent, { kind: 'rows' }>).rows;
    assert.deepEqual(rows.map((r) => (r.row === 'step' ? r.microbatch : r.row)), [2, 'repartition', 3, 4, 5]);
  });

  it('sends a long history in chunks of 10 000 rows', () => {
    const f = feed({ maxRows: 100_000 });
    f.publish({ kind: 'rows', rows: Array.from({ length: 25_000 }, (_, i) => step(i)) });
    const page = new Page();
    f.subscribe(page);
    assert.deepEqual(page.kinds(), ['rows 10000', 'rows 10000', 'rows 5000']);
  });

  it('a failure inside turns the feed off with one line and never reaches the publisher', () => {
    const f = feed();
    const broken: FeedClient = {
      send: () => {
        throw new Error('socket exploded');
      },
      close: () => undefined,
    };
    f.subscribe(broken);
    f.publish(RUN);
    f.publish(PLAN);
    f.publish({ kind: 'rows', rows: [step(0)] });
    f.flush();
    assert.equal(f.working, false);
    assert.deepEqual(said, ['dashboard: stopped after an internal error (socket exploded); training continues without it']);
    const page = new Page();
    f.subscribe(page);
    assert.deepEqual(page.events, [], 'an off feed serves nothing');
  });
});
