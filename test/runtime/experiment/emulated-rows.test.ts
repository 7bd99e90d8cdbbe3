import assert from 'node:assert/strict';
import { emulatedRows } from '../../../runtime/experiment/emulated-rows.js';
import type { RankLogRow, StepRow } from '../../../runtime/log/rank-log.js';

function step(rank: number, microbatch: number, time_ms: number, plan_version = 0): StepRow {
  return { row: 'step', time_ms, rank, stage: rank, plan_version, iteration: microbatch, microbatch, forward_ms: 1, backward_ms: 1, recv_wait_ms: 0, send_wait_ms: 0, optimizer_ms: 0, samples_per_s: 1 };
}

describe('emulated burst rows', () => {
  // rank 0 finishes microbatch m at 100 (m + 1) ms, rank 1 at 100 (m + 1) + 50 ms
  const rows: RankLogRow[] = [0, 1].flatMap((rank) => Array.from({ length: 10 }, (_, m) => step(rank, m, 100 * (m + 1) + 50 * rank)));

  it('spans each slowed rank from its last unslowed to its last slowed microbatch', () => {
    const got = emulatedRows({ ranks: [0, 1], factor: 2, fromMicrobatch: 3, toMicrobatch: 6 }, rows);
    assert.deepEqual(got.map((r) => [r.rank, r.time_ms, r.duration_ms, r.level, r.stage, r.plan_version]), [
      [0, 300, 300, 'heavy', 0, 0],
      [1, 350, 300, 'heavy', 1, 0],
    ]);
    assert.match(got[0].detail!, /emulated 2x compute slowdown of microbatches \[3, 6\)/);
  });

  it('below 2x is light; a burst past the end lasts to the rank\'s last step; unknown ranks get no row', () => {
    const got = emulatedRows({ ranks: [1, 5], factor: 1.5, fromMicrobatch: 8, toMicrobatch: 50 }, rows);
    assert.deepEqual(got.map((r) => [r.rank, r.time_ms, r.duration_ms, r.level]), [[1, 850, 200, 'light']]);
  });
});
