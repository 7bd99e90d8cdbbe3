/** The coordinator commits a set only when every rank reported a consistent file, then prunes. */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointCollector } from '../../../runtime/coordinator/checkpoint-collector.js';
import { CheckpointStore } from '../../../runtime/checkpoint/checkpoint-store.js';
import { type Manifest, parseManifest } from '../../../runtime/checkpoint/manifest.js';
import type { ControlOf } from '../../../runtime/transport/control-messages.js';
import { tempDir } from '../../support/cli.js';
import { dynpipeError } from '../transport/helpers.js';
import { PLAN_A, PLAN_B } from '../checkpoint/helpers.js';

/** PLAN_A: rank 0 holds block 0, ranks 1 and 2 blocks 1-2. */
function report(rank: number, cut: number, extra: Partial<ControlOf<'checkpointed'>> = {}): ControlOf<'checkpointed'> {
  return { type: 'checkpointed', rank, cut, planVersion: 0, weightVersion: cut, file: `rank-${rank}.tensors`, blocks: rank === 0 ? [0] : [1, 2], bytes: 10 + rank, sha256: String(rank).repeat(64), ...extra };
}

describe('checkpoint collector', () => {
  let tmp: { dir: string; cleanup(): void };
  let store: CheckpointStore;
  let said: string[];
  let collector: CheckpointCollector;
  beforeEach(() => {
    tmp = tempDir();
    store = new CheckpointStore(join(tmp.dir, 'ck'));
    said = [];
    collector = new CheckpointCollector({ store, plan: PLAN_A, planVersion: 0, keep: 2, say: (l) => said.push(l) });
  });
  afterEach(() => tmp.cleanup());

  it('writes the manifest once the last rank reports, naming every file', async () => {
    assert.equal(await collector.offer(2, report(2, 4)), undefined);
    assert.equal(await collector.offer(0, report(0, 4)), undefined);
    const dir = join(store.root, 'v0-mb4');
    assert.ok(!existsSync(join(dir, 'manifest.json')));
    assert.equal(await collector.offer(1, report(1, 4)), dir);
    const m = parseManifest(readFileSync(join(dir, 'manifest.json'), 'utf8'), 'm');
    assert.deepEqual(m, {
      cutMicrobatch: 4, weightVersion: 4, planVersion: 0, seed: 7, plan: PLAN_A,
      files: [0, 1, 2].map((r) => ({ file: `rank-${r}.tensors`, rank: r, blocks: r === 0 ? [0] : [1, 2], bytes: 10 + r, sha256: String(r).repeat(64) })),
    });
    assert.deepEqual(collector.lastCommitted, { dir, cut: 4 });
    assert.deepEqual(said, [`coordinator: checkpoint at microbatch 4 complete: ${dir}`]);
  });

  it('ignores a late report for a cut older than the newest committed one', async () => {
    for (const r of [0, 1, 2]) await collector.offer(r, report(r, 8));
    assert.equal(await collector.offer(0, report(0, 4)), undefined);
    assert.ok(!existsSync(join(store.root, 'v0-mb4')));
  });

  it('refuses reports that do not fit the plan, and a set at mixed weight versions', async () => {
    await assert.rejects(collector.offer(1, report(1, 4, { blocks: [1] })), dynpipeError('E_CHECKPOINT', /rank 1's checkpoint at microbatch 4 holds blocks \[1\], the rank owns \[1, 2\]/));
    await assert.rejects(collector.offer(1, report(1, 4, { planVersion: 1 })), dynpipeError('E_CHECKPOINT', /is for plan version 1, the job runs 0/));
    await assert.rejects(collector.offer(1, report(1, 4, { file: 'rank-2.tensors' })), dynpipeError('E_CHECKPOINT', /names file 'rank-2\.tensors', expected rank-1\.tensors/));
    await collector.offer(0, report(0, 4));
    await collector.offer(1, report(1, 4));
    await assert.rejects(collector.offer(2, report(2, 4, { weightVersion: 3 })), dynpipeError('E_CHECKPOINT', /weight versions \[4, 3\]/));
    assert.ok(!existsSync(join(store.root, 'v0-mb4', 'manifest.json')));
  });

  it('after a plan change checks reports against the new plan, and commits a cut\'s set with its extras', async () => {
    await collector.offer(0, report(0, 4)); // never completed: the change drops it
    const cutSet: Manifest = {
      cutMicrobatch: 6, weightVersion: 6, planVersion: 1, seed: 7, plan: PLAN_B,
      files: [0, 1, 2].map((r) => ({ file: `rank-${r}.tensors`, rank: r, blocks: r === 0 ? [0] : [1, 2], bytes: 10 + r, sha256: String(r).repeat(64) })),
      extra: { drained_at_ms: [5, 6, 7], previous_partition: [1, 2] },
    };
    const dir = await collector.commitCut(cutSet);
    assert.equal(dir, join(store.root, 'v1-mb6'));
    assert.deepEqual(parseManifest(readFileSync(join(dir, 'manifest.json'), 'utf8'), 'm'), cutSet);
    assert.deepEqual(collector.lastCommitted, { dir, cut: 6 });
    collector.planChanged(PLAN_B, 1);
    await assert.rejects(collector.offer(1, report(1, 8)), dynpipeError('E_CHECKPOINT', /is for plan version 0, the job runs 1/));
    await assert.rejects(collector.offer(1, report(1, 8, { planVersion: 1 })), dynpipeError('E_CHECKPOINT', /holds blocks \[1, 2\], the rank owns \[2\]/));
    await collector.offer(0, report(0, 8, { planVersion: 1, blocks: [0, 1] }));
    assert.equal(await collector.offer(1, report(1, 8, { planVersion: 1, blocks: [2] })), join(store.root, 'v1-mb8'));
  });

  it('keeps only the newest `keep` complete sets', async () => {
    for (const cut of [4, 8, 12]) for (const r of [0, 1, 2]) await collector.offer(r, report(r, cut));
    assert.deepEqual((await store.sets()).map((s) => s.id.cut), [12, 8]);
  });
});
