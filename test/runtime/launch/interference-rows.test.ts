import assert from 'node:assert/strict';
import { interferenceLevel, interferenceRows, ranksHit } from '../../../runtime/launch/interference-rows.js';
import type { RankLogRow, StepRow } from '../../../runtime/log/rank-log.js';

function step(rank: number, stage: number, plan_version: number, time_ms: number): StepRow {
  return { row: 'step', time_ms, rank, stage, plan_version, iteration: 0, microbatch: 0, forward_ms: 1, backward_ms: 1, recv_wait_ms: 0, send_wait_ms: 0, optimizer_ms: 0, samples_per_s: 1 };
}

describe('interference rows', () => {
  const cores = [[0], [0], [1], [1]];

  it('level: heavy from intensity 0.75 up', () => {
    assert.deepEqual([0.1, 0.74, 0.75, 1].map(interferenceLevel), ['light', 'light', 'heavy', 'heavy']);
  });

  it('cpu and membw hit the ranks pinned to their cores; net hits its rank; unpinned ranks are not hit', () => {
    assert.deepEqual(ranksHit({ kind: 'cpu', intensity: 1, cores: [1] }, 4, cores), [2, 3]);
    assert.deepEqual(ranksHit({ kind: 'membw', intensity: 1, cores: [0, 1] }, 4, cores), [0, 1, 2, 3]);
    assert.deepEqual(ranksHit({ kind: 'cpu', intensity: 1, cores: [1] }, 4, undefined), []);
    assert.deepEqual(ranksHit({ kind: 'net', intensity: 1, rank: 2 }, 4, cores), [2]);
    assert.deepEqual(ranksHit({ kind: 'net', intensity: 1, rank: 9 }, 4, cores), []);
  });

  it("takes stage and plan version from the rank's last step at or before the start", () => {
    const rows: RankLogRow[] = [step(2, 2, 0, 100), step(2, 1, 1, 500), step(3, 3, 0, 50), step(3, 3, 1, 900)];
    const out = interferenceRows([{ spec: { kind: 'cpu', intensity: 0.5, cores: [1] }, startMs: 600, endMs: 1600 }], rows, 4, cores);
    assert.deepEqual(out, [
      { row: 'interference', time_ms: 600, rank: 2, stage: 1, plan_version: 1, duration_ms: 1000, level: 'light' },
      { row: 'interference', time_ms: 600, rank: 3, stage: 3, plan_version: 0, duration_ms: 1000, level: 'light' },
    ]);
  });

  it('drops events that never ran and ranks without steps', () => {
    const rows: RankLogRow[] = [step(2, 2, 0, 100)];
    const spec = { kind: 'cpu', intensity: 1, cores: [1] } as const;
    assert.deepEqual(interferenceRows([{ spec, startMs: 5, endMs: 5 }], rows, 4, cores), []);
    assert.deepEqual(interferenceRows([{ spec, startMs: 0, endMs: 10 }], rows, 4, cores).map((r) => [r.rank, r.stage]), [[2, 2]]);
  });
});
