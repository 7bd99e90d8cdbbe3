import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../../../runtime/cli/dynpipe.js', import.meta.url));
const dynpipe = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, DYNPIPE_DATA_DIR: '' } });

describe('dynpipe dataset', () => {
  it('prints the shapes and label counts of a dataset', () => {
    const r = dynpipe('dataset', 'synthetic-tokens', '--size', '10', '--seq-len', '20', '--vocab', '6');
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], 'synthetic-tokens/train: 10 samples, input 20 int32, label 20 int32, 6 classes');
    assert.match(lines[1], / ignored\(-1\):170$/); // 10 sequences x (20 - round(0.15 * 20)) unmasked positions
  });

  it('fails with one line and exit code 2 on an unknown dataset or a foreign flag', () => {
    for (const args of [['imagenet'], ['mnist', '--seed', '1']]) {
      const r = dynpipe('dataset', ...args);
      assert.equal(r.status, 2);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /^dynpipe: /);
    }
  });
});
