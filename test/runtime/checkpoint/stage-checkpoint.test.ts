/** A checkpoint at a cut: rank files + manifest, blocks read back from whichever file holds them. */
import { strict as assert } from 'node:assert';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readBlockEntries, readManifest, writeManifest, writeRankState } from '../../../runtime/checkpoint/stage-checkpoint.js';
import { optimizerEntry, paramEntry } from '../../../runtime/checkpoint/state-entries.js';
import type { HostTensor } from '../../../runtime/checkpoint/tensor-file.js';
import { validatePlan } from '../../../runtime/plan/plan.js';
import { isDynpipeError } from '../../../runtime/errors.js';
import { tempDir } from '../../support/cli.js';

function t(...values: number[]): HostTensor {
  return { shape: [values.length], dtype: 'float32', data: Float32Array.from(values) };
}

const PLAN = validatePlan({ version: 1, model: { name: 'mlp', args: {} }, num_blocks: 3, partition: [1, 2], stage_to_rank_map: { '0': [0], '1': [1, 2] }, microbatch_size: 4 });

describe('stage checkpoint', () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('round-trips rank files through the manifest, preferring the reader\'s own file', async () => {
    const dir = join(tmp.dir, 'v2-mb10');
    await writeRankState(dir, 0, new Map([[paramEntry('0.w'), t(1, 2)], [optimizerEntry('0.w', 0), t(3, 4)]]), { blocks: [0] });
    await writeRankState(dir, 1, new Map([[paramEntry('1.w'), t(5)], [paramEntry('2.w'), t(6)]]), { blocks: [1, 2] });
    await writeRankState(dir, 2, new Map([[paramEntry('1.w'), t(5)], [paramEntry('2.w'), t(7)]]), { blocks: [1, 2] });
    await assert.rejects(readManifest(dir), (e: unknown) => isDynpipeError(e, 'E_CHECKPOINT') && /incomplete: no manifest\.json/.test(e.message));
    await writeManifest(dir, {
      cutMicrobatch: 10, weightVersion: 10, planVersion: 2, plan: PLAN, drainedAtMs: [1, 2, 3], previousPartition: [2, 1],
      files: [{ file: 'rank-0.tensors', rank: 0, blocks: [0] }, { file: 'rank-1.tensors', rank: 1, blocks: [1, 2] }, { file: 'rank-2.tensors', rank: 2, blocks: [1, 2] }],
    });
    const m = await readManifest(dir);
    assert.equal(m.cutMicrobatch, 10);
    assert.deepEqual(m.plan, PLAN);
    const mine = await readBlockEntries(dir, m, [0, 2], 2);
    assert.deepEqual([...mine.keys()].sort(), ['o/0.w/0', 'p/0.w', 'p/2.w']);
    assert.deepEqual([...mine.get('p/2.w')!.data], [7], 'rank 2 reads block 2 from its own file');
    assert.deepEqual([...(await readBlockEntries(dir, m, [2], 0)).get('p/2.w')!.data], [6], 'others read the first holder');
    await assert.rejects(readBlockEntries(dir, { ...m, files: m.files.slice(0, 1) }, [1], 0), (e: unknown) => isDynpipeError(e, 'E_CHECKPOINT') && /no file holds block 1/.test(e.message));
  });

  it('refuses a corrupt rank file and a malformed manifest, naming the file', async () => {
    const dir = join(tmp.dir, 'bad');
    await writeRankState(dir, 0, new Map([[paramEntry('0.w'), t(1, 2, 3, 4)]]), {});
    const file = join(dir, 'rank-0.tensors');
    const bytes = readFileSync(file);
    bytes[bytes.length - 3] ^= 0xff;
    writeFileSync(file, bytes);
    await writeManifest(dir, { cutMicrobatch: 1, weightVersion: 1, planVersion: 1, plan: PLAN, drainedAtMs: [0], previousPartition: [1, 2], files: [{ file: 'rank-0.tensors', rank: 0, blocks: [0] }] });
    await assert.rejects(readBlockEntries(dir, await readManifest(dir), [0], 0), (e: unknown) => isDynpipeError(e, 'E_CHECKPOINT') && e.message.includes('rank-0.tensors'));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ format: 'dynpipe-checkpoint', version: 1 }));
    await assert.rejects(readManifest(dir), (e: unknown) => isDynpipeError(e, 'E_CHECKPOINT') && /manifest\.json: cut_microbatch/.test(e.message));
  });
});
