/**
 * Atomic replacement: a reader sees the old file or the new one, whole, even when the writer is
 * killed with SIGKILL mid-write; a failed write leaves no temporary file and names the path.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isTempName, writeFileAtomic } from '../../../runtime/checkpoint/atomic-file.js';
import { tempDir } from '../../support/cli.js';
import { dynpipeError, prng } from '../transport/helpers.js';

const ATOMIC = new URL('../../../runtime/checkpoint/atomic-file.js', import.meta.url).href;

describe('atomic file replacement', function () {
  this.timeout(30_000);
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('replaces a file and leaves no temporary behind', async () => {
    const path = join(tmp.dir, 'a.bin');
    writeFileSync(path, 'old');
    await writeFileAtomic(path, 'new contents');
    assert.equal(readFileSync(path, 'utf8'), 'new contents');
    assert.deepEqual(readdirSync(tmp.dir).filter(isTempName), []);
  });

  it('fails with E_IO naming the path, and cleans up', async () => {
    const path = join(tmp.dir, 'missing-dir', 'b.bin');
    await assert.rejects(writeFileAtomic(path, 'x'), dynpipeError('E_IO', /^cannot write .*missing-dir\/b\.bin: /));
  });

  it('recognises its temporary names only', () => {
    assert.ok(isTempName('rank-0.tensors.tmp-123-4'));
    assert.ok(!isTempName('rank-0.tensors'));
    assert.ok(!isTempName('manifest.json.tmp'));
  });

  it('a writer killed at a random moment leaves the old file or the new one, never a mix', async () => {
    const random = prng(11);
    const size = 4 << 20;
    for (let trial = 0; trial < 3; trial++) {
      const path = join(tmp.dir, `crash-${trial}.bin`);
      writeFileSync(path, Buffer.alloc(size, 0x11));
      // The child writes 0x22 bytes over and over until killed.
      const script = `import { writeFileAtomic } from ${JSON.stringify(ATOMIC)};
        const data = Buffer.alloc(${size}, 0x22); console.log('start');
        for (;;) await writeFileAtomic(${JSON.stringify(path)}, data);`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise((r) => child.stdout!.once('data', r));
      await new Promise((r) => setTimeout(r, 20 + Math.floor(random() * 200)));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const after = readFileSync(path);
      assert.equal(after.length, size, `trial ${trial}: target has ${after.length} bytes`);
      const first = after[0];
      assert.ok(first === 0x11 || first === 0x22, `trial ${trial}: byte ${first}`);
      assert.ok(after.every((b) => b === first), `trial ${trial}: target mixes old and new bytes`);
    }
  });
});
