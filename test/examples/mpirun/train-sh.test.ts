import { strict as assert } from 'node:assert';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from '../../support/process.js';

const SCRIPT = fileURLToPath(new URL('../../../../examples/mpirun/train.sh', import.meta.url));

/**
 * Open MPI is not installed here, so a fake `mpirun` on PATH records its arguments and the
 * variables the script exported for the ranks; what real mpirun then does with them is Open MPI's
 * part, and env-detect's tests cover what a rank makes of OMPI_COMM_WORLD_* and DYNPIPE_*.
 */
const FAKE_MPIRUN = `#!/bin/bash
{ printf '%s\\n' "$@"; echo "ENV $DYNPIPE_MASTER_ADDR:$DYNPIPE_MASTER_PORT $DYNPIPE_LAUNCHER"; } > "$FAKE_MPIRUN_OUT"
`;

describe('examples/mpirun/train.sh', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dynpipe-mpirun-'));
    writeFileSync(join(dir, 'mpirun'), FAKE_MPIRUN);
    chmodSync(join(dir, 'mpirun'), 0o755);
    writeFileSync(join(dir, 'hosts.txt'), '# cluster\n\nnode07 slots=4\nnode08 slots=4\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = async (args: string[], extraEnv: Record<string, string> = {}) => {
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dir}:${process.env.PATH}`, FAKE_MPIRUN_OUT: join(dir, 'out'), DYNPIPE_LOG_DIR: join(dir, 'runs') };
    for (const k of Object.keys(env)) if (/^DYNPIPE_(MASTER_|PLAN|MINIBATCHES|BACKEND|DATA_DIR$)|^DYNPIPE$/.test(k)) delete env[k];
    Object.assign(env, extraEnv);
    const r = await runCommand(['bash', SCRIPT, ...args], { env, cwd: dir, timeoutMs: 10_000 });
    assert.equal(r.code, 0, r.stderr);
    return readFileSync(join(dir, 'out'), 'utf8').trim().split('\n');
  };

  it('exports the first hostfile host as coordinator, Open MPI as the launcher, and passes worker arguments', async () => {
    const lines = await run(['-np', '8', '--hostfile', 'hosts.txt', '--', '--dataset', 'cifar10']);
    const env = lines.pop();
    assert.equal(env, 'ENV node07:29500 openmpi');
    const logAt = lines.indexOf('--log-dir') + 1;
    assert.match(lines[logAt], new RegExp(`^${dir}/runs/mpirun-\\d{8}-\\d{6}$`));
    lines[logAt] = 'LOG';
    assert.deepEqual(lines, [
      '-np', '8', '--hostfile', 'hosts.txt',
      '-x', 'DYNPIPE_MASTER_ADDR', '-x', 'DYNPIPE_MASTER_PORT', '-x', 'DYNPIPE_LAUNCHER', '-x', 'PATH',
      'dynpipe', 'worker', '--config-path', 'plan.json', '--num-minibatches', '1000', '--backend', 'webgpu', '--mode', 'pipedream',
      '--log-dir', 'LOG', '--dataset', 'cifar10',
    ]);
  });

  it('keeps a coordinator the user names, and uses this host without a hostfile', async () => {
    assert.equal((await run(['-np', '2'], { DYNPIPE_MASTER_ADDR: '192.0.2.5', DYNPIPE_MASTER_PORT: '4100' })).pop(), 'ENV 192.0.2.5:4100 openmpi');
    const host = (await runCommand(['hostname'])).stdout.trim();
    assert.equal((await run(['-np', '2'])).pop(), `ENV ${host}:29500 openmpi`);
  });
});
