/**
 * The checkpoint store end to end on disk: sets written rank by rank and committed by a manifest;
 * the newest complete set is chosen, skipping (and explaining) incomplete, corrupt, truncated or
 * swapped ones; blocks are re-sliced across files with exact values; old sets are pruned.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointStore, openCheckpoint, parseSetName, readBlocks, setName, verifySet } from '../../../runtime/checkpoint/checkpoint-store.js';
import type { Manifest, RankFileRecord } from '../../../runtime/checkpoint/manifest.js';
import { tempDir } from '../../support/cli.js';
import { dynpipeError } from '../transport/helpers.js';
import { PLAN_A, f32, meta } from './helpers.js';

/** Writes PLAN_A's three rank files for `cut` (values derived from the cut) and, if asked, the manifest. */
async function writeSet(store: CheckpointStore, cut: number, commit = true): Promise<RankFileRecord[]> {
  const records = [
    await store.writeRankFile(new Map([['p/0.w', f32(cut, 1)], ['o/0.w/0', f32(cut, 2)]]), meta(0, [0], cut)),
    await store.writeRankFile(new Map([['p/1.w', f32(cut, 3)], ['p/2.w', f32(cut, 4)]]), meta(1, [1, 2], cut)),
    await store.writeRankFile(new Map([['p/1.w', f32(cut, 3)], ['p/2.w', f32(cut, 4)]]), meta(2, [1, 2], cut)),
  ];
  if (commit) await store.commit(manifestFor(cut, records));
  return records;
}

function manifestFor(cut: number, files: RankFileRecord[]): Manifest {
  return { cutMicrobatch: cut, weightVersion: cut, planVersion: 0, seed: 7, plan: PLAN_A, files };
}

function flipByte(path: string, fromEnd: number): void {
  const b = readFileSync(path);
  b[b.length - fromEnd] ^= 0xff;
  writeFileSync(path, b);
}

describe('checkpoint store', () => {
  let tmp: { dir: string; cleanup(): void };
  let store: CheckpointStore;
  beforeEach(() => {
    tmp = tempDir();
    store = new CheckpointStore(join(tmp.dir, 'ckpt'));
  });
  afterEach(() => tmp.cleanup());

  it('names sets v<plan version>-mb<cut> and parses only such names', () => {
    assert.equal(setName({ planVersion: 2, cut: 40 }), 'v2-mb40');
    assert.deepEqual(parseSetName('v2-mb40'), { planVersion: 2, cut: 40 });
    for (const n of ['v2-mb40.tmp', 'v02-mb4', 'x', 'v1-mb-1', 'manifest.json']) assert.equal(parseSetName(n), undefined, n);
  });

  it('has no set before the first checkpoint, and says so when asked to resume', async () => {
    assert.deepEqual(await store.latestComplete(), { skipped: [] });
    await assert.rejects(openCheckpoint(store.root), dynpipeError('E_CHECKPOINT', /^no complete checkpoint in .*ckpt$/));
  });

  it('a set becomes complete only when its manifest is written', async () => {
    await writeSet(store, 4);
    const records = await writeSet(store, 8, false);
    const { set, skipped } = await store.latestComplete();
    assert.equal(set?.manifest.cutMicrobatch, 4);
    assert.deepEqual(skipped, [{ dir: store.dirOf({ planVersion: 0, cut: 8 }), reason: 'incomplete: no manifest.json (interrupted while being written)' }]);
    await store.commit(manifestFor(8, records));
    assert.equal((await store.latestComplete()).set?.manifest.cutMicrobatch, 8);
  });

  it('ignores what an interrupted write leaves: temporary files and a temporary manifest', async () => {
    await writeSet(store, 4);
    const records = await writeSet(store, 8, false);
    const dir8 = store.dirOf({ planVersion: 0, cut: 8 });
    writeFileSync(join(dir8, 'manifest.json.tmp-99-1'), JSON.stringify(manifestFor(8, records)));
    writeFileSync(join(dir8, 'rank-0.tensors.tmp-99-2'), 'half a file');
    assert.equal((await store.latestComplete()).set?.manifest.cutMicrobatch, 4);
  });

  it('falls back to the previous set when a file of the newest is corrupt, truncated, missing or swapped', async () => {
    const dir8 = store.dirOf({ planVersion: 0, cut: 8 });
    const damage: Array<[string, () => void, RegExp]> = [
      ['corrupt', () => flipByte(join(dir8, 'rank-1.tensors'), 5), /rank-1\.tensors: checksum differs from the manifest's \(file is corrupt\)/],
      ['truncated', () => writeFileSync(join(dir8, 'rank-2.tensors'), readFileSync(join(dir8, 'rank-2.tensors')).subarray(0, 10)), /rank-2\.tensors: 10 bytes, the manifest records \d+ \(file truncated or replaced\)/],
      ['missing', () => rmSync(join(dir8, 'rank-0.tensors')), /rank-0\.tensors: missing \(the manifest names it\)/],
      ['garbled manifest', () => writeFileSync(join(dir8, 'manifest.json'), '{"format":'), /manifest\.json: not valid JSON/],
    ];
    for (const [what, harm, reason] of damage) {
      await writeSet(store, 4);
      await writeSet(store, 8);
      harm();
      const { set, skipped } = await store.latestComplete();
      assert.equal(set?.manifest.cutMicrobatch, 4, what);
      assert.equal(skipped.length, 1, what);
      assert.equal(skipped[0].dir, dir8, what);
      assert.match(skipped[0].reason, reason, what);
      // Named explicitly, the damaged set is an error, not a silent fallback.
      await assert.rejects(openCheckpoint(dir8), dynpipeError('E_CHECKPOINT', reason), what);
      const opened = await openCheckpoint(store.root);
      assert.equal(opened.set.manifest.cutMicrobatch, 4, what);
    }
  });

  it('refuses a file moved in from another set even when the manifest was rewritten to match it', async () => {
    await writeSet(store, 4);
    const records8 = await writeSet(store, 8);
    const dir4 = store.dirOf({ planVersion: 0, cut: 4 });
    const dir8 = store.dirOf({ planVersion: 0, cut: 8 });
    renameSync(join(dir4, 'rank-0.tensors'), join(dir8, 'rank-0.tensors'));
    const old = readFileSync(join(dir8, 'rank-0.tensors'));
    const { createHash } = await import('node:crypto');
    const forged = records8.map((r) => (r.rank === 0 ? { ...r, bytes: old.length, sha256: createHash('sha256').update(old).digest('hex') } : r));
    await store.commit(manifestFor(8, forged));
    const set = await verifySet(dir8);
    await assert.rejects(readBlocks(set, [0], 0), dynpipeError('E_CHECKPOINT', /rank-0\.tensors: file is for cut microbatch 4, the manifest says 8/));
  });

  it('re-slices: a rank of another plan gets exactly the entries of its blocks, from the right files', async () => {
    await writeSet(store, 4);
    const { set } = await openCheckpoint(store.root);
    const got = await readBlocks(set, [0, 1], 0);
    assert.deepEqual([...got.keys()].sort(), ['o/0.w/0', 'p/0.w', 'p/1.w']);
    assert.deepEqual([...got.get('p/0.w')!.data], [4, 1]);
    assert.deepEqual([...got.get('o/0.w/0')!.data], [4, 2]);
    assert.deepEqual([...got.get('p/1.w')!.data], [4, 3]);
    assert.deepEqual([...(await readBlocks(set, [2], 2)).get('p/2.w')!.data], [4, 4]);
  });

  it('prunes all but the newest complete sets and abandoned incomplete ones, keeping newer work in progress', async () => {
    for (const cut of [4, 8, 12]) await writeSet(store, cut);
    await writeSet(store, 6, false); // abandoned: older than the newest complete set
    await writeSet(store, 16, false); // in progress
    const removed = await store.prune(2);
    assert.deepEqual(removed.map((d) => d.slice(store.root.length + 1)).sort(), ['v0-mb4', 'v0-mb6']);
    assert.deepEqual(readdirSync(store.root).sort(), ['v0-mb12', 'v0-mb16', 'v0-mb8']);
    assert.ok(existsSync(join(store.root, 'v0-mb12', 'manifest.json')));
    await assert.rejects(store.prune(0), dynpipeError('E_USAGE', /keep must be an integer >= 1, got 0/));
  });
});
