/**
 * Checkpoint and resume across processes. A job checkpointing every 4 microbatches is killed —
 * every rank and the launcher, SIGKILL, at a random moment after its second checkpoint — and
 * resumed: its final weights equal an uninterrupted run's bit for bit. The same holds when the
 * newest checkpoint has a corrupt file (the previous one is used, saying why), and when the job
 * resumes under another split on another number of ranks (blocks re-sliced from the files).
 *
 * The uninterrupted reference checkpoints too: checkpoints are taken at pipeline flushes, which
 * are part of the training (1F1B refills after each), so "the same run" means the same flushes.
 */
import { strict as assert } from 'node:assert';
import { cpSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, startCli, tempDir } from '../../support/cli.js';
import { prng } from '../transport/helpers.js';
import { COMMON, assertSameWeights, rankPids, waitForFile, weightsIn, writePlan } from './launch-helpers.js';

const N = 64; // long enough after the first checkpoint (mb 8) that the kill lands mid-run on an idle machine too
const EVERY = ['--checkpoint-every', '4'];

describe('checkpoint and resume (multi-process)', function () {
  this.timeout(300_000);
  const tmp = tempDir();
  after(() => tmp.cleanup());
  const at = (...p: string[]) => join(tmp.dir, ...p);

  describe('a killed 1F1B job resumes to the uninterrupted weights', () => {
    let plan: string;
    let reference: Map<string, Buffer>;
    let newestCut: number;

    before(async () => {
      plan = writePlan(tmp.dir, 'straight', [2, 1]);
      // The reference also exercises CURVE end to end: every socket of the job authenticated.
      const keys = await runCli(['keys', 'generate', '--out', at('keys')]);
      assert.equal(keys.code, 0, keys.stderr);
      const r = await runCli(['launch', '--plan', plan, '--num-minibatches', String(N), ...COMMON, '--checkpoint-dir', at('ref-ckpt'), ...EVERY, '--save-weights', at('ref-w'), '--curve-keys', at('keys')]);
      assert.equal(r.code, 0, r.stderr);
      reference = weightsIn(at('ref-w'));

      const { child, done } = startCli(['launch', '--plan', plan, '--num-minibatches', String(N), ...COMMON, '--checkpoint-dir', at('killed'), ...EVERY, '--save-weights', at('killed-w')]);
      const pids = await rankPids(child, 2);
      await waitForFile(at('killed', 'v0-mb8', 'manifest.json'));
      await new Promise((r) => setTimeout(r, Math.floor(prng(Date.now())() * 300)));
      for (const pid of [...pids.values(), child.pid!]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch (e) {
          // a rank that already exited is no failure here: whether the job was cut short is asserted below
          if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
        }
      }
      const killed = await done;
      assert.equal(killed.signal, 'SIGKILL', 'the job ended before the kill');
      const cuts = readdirSync(at('killed')).map((n) => Number(/^v0-mb(\d+)$/.exec(n)?.[1]));
      newestCut = Math.max(...cuts.filter((c) => readdirSync(at('killed', `v0-mb${c}`)).includes('manifest.json')));
      assert.ok(newestCut >= 8 && newestCut < N, `newest complete checkpoint at ${newestCut}`);
    });

    it('resumes from the newest complete checkpoint and ends with the reference weights', async () => {
      cpSync(at('killed'), at('resume-a'), { recursive: true });
      const r = await runCli(['launch', '--num-minibatches', String(N), ...COMMON, '--resume', at('resume-a'), '--checkpoint-dir', at('resume-a'), ...EVERY, '--save-weights', at('resume-a-w')]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`resuming from .*resume-a/v0-mb${newestCut} at microbatch ${newestCut}`));
      assertSameWeights(weightsIn(at('resume-a-w')), reference, 'resumed');
    });

    it('skips a newest checkpoint with a corrupt file, naming it, and still ends with the reference weights', async () => {
      cpSync(at('killed'), at('resume-b'), { recursive: true });
      const file = at('resume-b', `v0-mb${newestCut}`, 'rank-1.tensors');
      const bytes = readFileSync(file);
      bytes[bytes.length >> 1] ^= 0x40;
      writeFileSync(file, bytes);
      const r = await runCli(['launch', '--num-minibatches', String(N), ...COMMON, '--resume', at('resume-b'), '--checkpoint-dir', at('resume-b'), ...EVERY, '--save-weights', at('resume-b-w')]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`checkpoint .*v0-mb${newestCut} skipped: .*rank-1\\.tensors: checksum differs from the manifest's \\(file is corrupt\\)`));
      assert.match(r.stderr, new RegExp(`resuming from .*resume-b/v0-mb${newestCut - 4} at microbatch ${newestCut - 4}`));
      assertSameWeights(weightsIn(at('resume-b-w')), reference, 'resumed past a corrupt checkpoint');
    });
  });

  it('resumes a 2-rank [2, 1] checkpoint on 3 ranks [1, 1, 1], re-slicing the blocks', async () => {
    // One microbatch in flight: training is sequential SGD whatever the split, so both plans must agree exactly.
    const two = writePlan(tmp.dir, 'two', [2, 1], 1);
    const three = writePlan(tmp.dir, 'three', [1, 1, 1], 1);
    const ref = await runCli(['launch', '--plan', two, '--num-minibatches', '16', ...COMMON, '--quiet', '--save-weights', at('seq-ref-w')]);
    assert.equal(ref.code, 0, ref.stderr);
    const first = await runCli(['launch', '--plan', two, '--num-minibatches', '8', ...COMMON, '--quiet', '--checkpoint-dir', at('seq'), ...EVERY]);
    assert.equal(first.code, 0, first.stderr);
    const r = await runCli(['launch', '--plan', three, '--num-minibatches', '16', ...COMMON, '--resume', at('seq'), '--checkpoint-dir', at('seq'), ...EVERY, '--save-weights', at('seq-w')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /rank 2: resuming from .*seq\/v0-mb8 at microbatch 8 \(weight version 8, plan version 1\)/);
    assert.match(r.stderr, /checkpoint at microbatch 12 complete: .*seq\/v1-mb12/);
    assertSameWeights(weightsIn(at('seq-w')), weightsIn(at('seq-ref-w')), 'resumed on 3 ranks');
  });
});
