/** Re-slicing: which file of a set each block a rank now owns is read from. */
import { strict as assert } from 'node:assert';
import { blockSources, blocksOfRank } from '../../../runtime/checkpoint/reslice.js';
import type { RankFileRecord } from '../../../runtime/checkpoint/manifest.js';
import { dynpipeError } from '../transport/helpers.js';
import { PLAN_A, PLAN_B } from './helpers.js';

function rec(rank: number, blocks: number[]): RankFileRecord {
  return { file: `rank-${rank}.tensors`, rank, blocks, bytes: 1, sha256: '0'.repeat(64) };
}

// Written under PLAN_A: rank 0 holds block 0; ranks 1 and 2 (replicas) hold blocks 1-2.
const FILES_A = [rec(0, [0]), rec(1, [1, 2]), rec(2, [1, 2])];

describe('checkpoint re-slicing', () => {
  it('lists the blocks a rank owns under a plan', () => {
    assert.deepEqual([0, 1, 2].map((r) => blocksOfRank(PLAN_A, r)), [[0], [1, 2], [1, 2]]);
    assert.deepEqual([0, 1].map((r) => blocksOfRank(PLAN_B, r)), [[0, 1], [2]]);
  });

  it('under the same plan every rank reads only its own file', () => {
    for (const r of [0, 1, 2]) assert.deepEqual(blockSources(FILES_A, blocksOfRank(PLAN_A, r), r), [{ file: `rank-${r}.tensors`, rank: r, blocks: blocksOfRank(PLAN_A, r) }]);
  });

  it('under another split a rank gathers its blocks from the files that hold them', () => {
    assert.deepEqual(blockSources(FILES_A, blocksOfRank(PLAN_B, 0), 0), [
      { file: 'rank-0.tensors', rank: 0, blocks: [0] },
      { file: 'rank-1.tensors', rank: 1, blocks: [1] },
    ]);
    // Rank 1 of PLAN_B holds block 2, which its own old file has.
    assert.deepEqual(blockSources(FILES_A, blocksOfRank(PLAN_B, 1), 1), [{ file: 'rank-1.tensors', rank: 1, blocks: [2] }]);
    // A rank that held no replica of the block reads the lowest-ranked holder; one that did reads its own.
    assert.deepEqual(blockSources(FILES_A, [2], 0), [{ file: 'rank-1.tensors', rank: 1, blocks: [2] }]);
    assert.deepEqual(blockSources(FILES_A, [2], 2), [{ file: 'rank-2.tensors', rank: 2, blocks: [2] }]);
  });

  it('names a block no file holds', () => {
    assert.throws(() => blockSources([rec(0, [0])], [0, 1], 0, 'checkpoint D'), dynpipeError('E_CHECKPOINT', /^checkpoint D: no file holds block 1$/));
  });
});
