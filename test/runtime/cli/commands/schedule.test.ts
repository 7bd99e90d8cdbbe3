import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../../../runtime/cli/dynpipe.js', import.meta.url));

function dynpipe(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'schedule', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('dynpipe schedule', () => {
  it('draws the timeline, stash depths and, with times, the simulated window', () => {
    const r = dynpipe('--kind', 'gpipe', '--stages', '2', '--microbatches', '2', '--forward-ms', '1,1', '--backward-ms', '2,2');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        'round    0  1  2  3  4  5',
        'stage 0 F0 F1 .. .. B1 B0',
        'stage 1 .. F0 F1 B1 B0 ..',
        '',
        'stage 0: 4 slots, max in flight 2, max weight versions 1, ends at v1',
        'stage 1: 4 slots, max in flight 2, max weight versions 1, ends at v1',
        'simulated: 9 ms for 2 microbatches (4.500 ms each)', // (m + p - 1)(f + b) = 3 * 3
        '',
      ].join('\n'),
    );
  });

  it('rejects mismatched per-stage times in one line with exit code 2', () => {
    const r = dynpipe('--stages', '3', '--forward-ms', '1,1', '--backward-ms', '1,1,1');
    assert.equal(r.status, 2);
    assert.equal(r.stderr, 'dynpipe: --forward-ms has 2 values for 3 stages\n');
  });
});
