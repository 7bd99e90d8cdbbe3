/** The manifest format: round trip, and every invariant refused with the field named. */
import { strict as assert } from 'node:assert';
import { type Manifest, parseManifest, printManifest, rankFileName } from '../../../runtime/checkpoint/manifest.js';
import { dynpipeError } from '../transport/helpers.js';
import { PLAN_A } from './helpers.js';

const SHA = 'ab'.repeat(32);

function manifest(): Manifest {
  return {
    cutMicrobatch: 12, weightVersion: 12, planVersion: 1, seed: 7, plan: PLAN_A,
    files: [
      { file: 'rank-0.tensors', rank: 0, blocks: [0], bytes: 100, sha256: SHA },
      { file: 'rank-1.tensors', rank: 1, blocks: [1, 2], bytes: 200, sha256: SHA },
      { file: 'rank-2.tensors', rank: 2, blocks: [1, 2], bytes: 200, sha256: SHA },
    ],
    extra: { drained_at_ms: [1, 2, 3], note: 'x' },
  };
}

/** The printed manifest as JSON, edited by `edit`, printed again. */
function edited(edit: (v: Record<string, any>) => void): string {
  const v = JSON.parse(printManifest(manifest()));
  edit(v);
  return JSON.stringify(v);
}

describe('checkpoint manifest', () => {
  it('round-trips: parse(print(m)) deep-equals m', () => {
    assert.deepEqual(parseManifest(printManifest(manifest()), 'm'), manifest());
    const { extra: _, ...bare } = manifest();
    assert.deepEqual(parseManifest(printManifest(bare), 'm'), bare);
  });

  it('names rank files rank-<r>.tensors', () => {
    assert.equal(rankFileName(12), 'rank-12.tensors');
  });

  it('refuses each broken invariant with E_CHECKPOINT naming the source and field', () => {
    const cases: Array<[string, RegExp]> = [
      ['{', /^m\.json: not valid JSON/],
      [edited((v) => (v.version = 1)), /^m\.json: version: /],
      [edited((v) => (v.format = 'other')), /^m\.json: format: /],
      [edited((v) => delete v.cut_microbatch), /^m\.json: cut_microbatch: /],
      [edited((v) => (v.files[0].file = '../../etc/passwd')), /files\.0\.file: '\.\.\/\.\.\/etc\/passwd' is not rank-0\.tensors/],
      [edited((v) => (v.files[1].rank = 0)), /files\.1\.file: 'rank-1\.tensors' is not rank-0\.tensors/],
      [edited((v) => (v.files[1] = { ...v.files[0] })), /files\.1\.rank: rank 0 has two files/],
      [edited((v) => (v.files[1].blocks = [2, 1])), /files\.1\.blocks: \[2, 1\] is not a contiguous ascending range/],
      [edited((v) => (v.files[2].blocks = [3])), /files\.2\.blocks: block 3 is outside the plan's 3 blocks/],
      [edited((v) => (v.files = [v.files[0]])), /files: no file holds block 1/],
      [edited((v) => (v.files[0].sha256 = 'xyz')), /files\.0\.sha256: must be 64 lowercase hex digits/],
      [edited((v) => (v.files[0].bytes = -1)), /files\.0\.bytes: /],
      [edited((v) => (v.seed = 8)), /seed: 8 differs from the plan's training\.seed 7/],
      [edited((v) => (v.plan.partition = [1, 1])), /plan: partition: blocks per stage sum to 2, but num_blocks is 3/],
      [edited((v) => (v.surprise = 1)), /\(root\): .*surprise/],
      [edited((v) => (v.extra = { k: { nested: true } })), /extra\.k: /],
    ];
    for (const [text, pattern] of cases) assert.throws(() => parseManifest(text, 'm.json'), dynpipeError('E_CHECKPOINT', pattern));
  });

  it('refuses to print an invalid manifest', () => {
    assert.throws(() => printManifest({ ...manifest(), files: [] }), dynpipeError('E_CHECKPOINT', /manifest to write: files: /));
  });
});
