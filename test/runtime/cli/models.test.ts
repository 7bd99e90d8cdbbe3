import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildModel } from '../../../runtime/models/zoo.js';
import { formatSummary, summarizeModel } from '../../../runtime/models/summary.js';

const CLI = fileURLToPath(new URL('../../../runtime/cli/dynpipe.js', import.meta.url));

function dynpipe(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

describe('dynpipe models', () => {
  it('summarises blocks with parameter, buffer, FLOP and activation sizes', () => {
    const model = buildModel('vgg16', { width: 1 / 16, inputHeight: 8, inputWidth: 8 });
    const rows = summarizeModel(model);
    assert.deepEqual(rows[0], { index: 0, name: 'conv1', kind: 'conv', outputShape: [8, 8, 4], params: 3 * 3 * 3 * 4 + 2 * 4, buffers: 2 * 4, flops: model.blocks[0].flops, activationBytes: 4 * 8 * 8 * 4 });
    const text = formatSummary(model);
    assert.match(text.split('\n')[0], /^vgg16 \(inputHeight=8,.*width=0\.0625\): 21 blocks, input float32 \[8,8,3\]/);
    assert.equal(text.split('\n').length, 2 + 21 + 1);
  });

  it('prints the block table, and one line with exit code 2 on bad arguments', () => {
    const ok = dynpipe('models', 'tinycnn', '--args', 'channels=4');
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /^4 +head +head +\[10\] +3930 +7850 +40$/m);
    const bad = dynpipe('models', 'bert', '--args', 'hidden=10');
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr, 'dynpipe: model bert: hidden (10) must be a multiple of heads (4)\n');
  });
});
