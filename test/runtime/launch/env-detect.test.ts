import { strict as assert } from 'node:assert';
import { derivedSlurmPort, detectLaunch, formatDetected, type DetectedLaunch, type Env } from '../../../runtime/launch/env-detect.js';
import { throwsOneLine } from './helpers.js';

/** What `srun -n 4` sets for task 2 of job 1234 (step 0) on nodes gpu[01-02]. */
const SLURM: Env = {
  SLURM_PROCID: '2',
  SLURM_NTASKS: '4',
  SLURM_LOCALID: '0',
  SLURM_JOB_ID: '1234',
  SLURM_STEP_ID: '0',
  SLURM_JOB_NODELIST: 'gpu[01-02]',
  SLURM_STEP_NODELIST: 'gpu[01-02]',
};

/** What `mpirun -np 8 -x MASTER_ADDR -x MASTER_PORT` gives rank 5 on a host with 4 slots. */
const OPEN_MPI: Env = {
  OMPI_COMM_WORLD_RANK: '5',
  OMPI_COMM_WORLD_SIZE: '8',
  OMPI_COMM_WORLD_LOCAL_RANK: '1',
  MASTER_ADDR: 'head',
  MASTER_PORT: '29500',
};

const TORCHRUN: Env = { RANK: '1', WORLD_SIZE: '2', LOCAL_RANK: '1', MASTER_ADDR: '10.0.0.1', MASTER_PORT: '29400' };

/** value/source pairs, so one deepEqual checks a whole detection. */
function flat(d: DetectedLaunch): Record<string, [number | string, string, string]> {
  const out: Record<string, [number | string, string, string]> = {};
  for (const [k, v] of Object.entries(d)) out[k] = [v.value, v.source.kind, v.source.detail];
  return out;
}

describe('env-detect', () => {
  it('reads a Slurm task: rank, size and local id verbatim, first node as coordinator, port from the job id', () => {
    assert.deepEqual(flat(detectLaunch(SLURM)), {
      rank: [2, 'slurm', 'SLURM_PROCID'],
      worldSize: [4, 'slurm', 'SLURM_NTASKS'],
      localRank: [0, 'slurm', 'SLURM_LOCALID'],
      masterAddr: ['gpu01', 'slurm', 'first host of SLURM_STEP_NODELIST=gpu[01-02]'],
      masterPort: [21234, 'slurm', 'derived from SLURM_JOB_ID=1234'],
    });
  });

  it('derives the port from the job id alone, inside [20000, 30000)', () => {
    assert.equal(derivedSlurmPort(1234), 21234);
    assert.equal(derivedSlurmPort(9999), 29999);
    assert.equal(derivedSlurmPort(10000), 20000);
    assert.equal(derivedSlurmPort(4567891), 27891);
    // Every step of a job (a coordinator step, the workers' step) gets the same port.
    assert.equal(detectLaunch({ ...SLURM, SLURM_STEP_ID: '3' }).masterPort.value, 21234);
    assert.equal(detectLaunch({ ...SLURM, SLURM_STEP_ID: '4294967291' }).masterPort.value, 21234);
  });

  it('takes the job node list when the step one is absent, and SLURM_NODELIST last', () => {
    const { SLURM_STEP_NODELIST: _, ...job } = SLURM;
    assert.deepEqual(flat(detectLaunch({ ...job, SLURM_JOB_NODELIST: 'n[007-009]-ib' })).masterAddr, ['n007-ib', 'slurm', 'first host of SLURM_JOB_NODELIST=n[007-009]-ib']);
    const { SLURM_JOB_NODELIST: __, ...old } = job;
    assert.deepEqual(flat(detectLaunch({ ...old, SLURM_NODELIST: 'b,a' })).masterAddr, ['b', 'slurm', 'first host of SLURM_NODELIST=b,a']);
  });

  it('reads Open MPI with MASTER_ADDR/MASTER_PORT', () => {
    assert.deepEqual(flat(detectLaunch(OPEN_MPI)), {
      rank: [5, 'openmpi', 'OMPI_COMM_WORLD_RANK'],
      worldSize: [8, 'openmpi', 'OMPI_COMM_WORLD_SIZE'],
      localRank: [1, 'openmpi', 'OMPI_COMM_WORLD_LOCAL_RANK'],
      masterAddr: ['head', 'env', 'MASTER_ADDR'],
      masterPort: [29500, 'env', 'MASTER_PORT'],
    });
  });

  it('reads torchrun-style variables', () => {
    assert.deepEqual(flat(detectLaunch(TORCHRUN)), {
      rank: [1, 'torchrun', 'RANK'],
      worldSize: [2, 'torchrun', 'WORLD_SIZE'],
      localRank: [1, 'torchrun', 'LOCAL_RANK'],
      masterAddr: ['10.0.0.1', 'env', 'MASTER_ADDR'],
      masterPort: [29400, 'env', 'MASTER_PORT'],
    });
  });

  it('lets flags win over every variable, even contradictory ones', () => {
    const env = { ...SLURM, RANK: '3', DYNPIPE_MASTER_ADDR: 'x', SLURM_NTASKS: 'garbage' };
    const d = detectLaunch(env, { rank: 0, worldSize: 2, localRank: 1, masterAddr: '192.0.2.9', masterPort: 4000 });
    assert.deepEqual(flat(d), {
      rank: [0, 'flag', '--rank'],
      worldSize: [2, 'flag', '--world-size'],
      localRank: [1, 'flag', '--local-rank'],
      masterAddr: ['192.0.2.9', 'flag', '--master-addr'],
      masterPort: [4000, 'flag', '--master-port'],
    });
  });

  it('fills each field on its own: a flag for one, the launcher for the rest', () => {
    const d = detectLaunch(SLURM, { masterPort: 5555 });
    assert.deepEqual([d.rank.value, d.masterAddr.value, d.masterPort.value, d.masterPort.source.kind], [2, 'gpu01', 5555, 'flag']);
  });

  it('fails with one line naming both sources when two launchers disagree', () => {
    throwsOneLine(() => detectLaunch({ ...SLURM, RANK: '3' }), 'E_USAGE', 'rank: SLURM_PROCID=2 (slurm) disagrees with RANK=3 (torchrun)', '--rank');
    throwsOneLine(() => detectLaunch({ ...OPEN_MPI, WORLD_SIZE: '4' }), 'E_USAGE', 'OMPI_COMM_WORLD_SIZE=8 (openmpi) disagrees with WORLD_SIZE=4 (torchrun)');
    throwsOneLine(() => detectLaunch({ ...SLURM, OMPI_COMM_WORLD_LOCAL_RANK: '1' }), 'E_USAGE', 'local rank: SLURM_LOCALID=0 (slurm) disagrees with OMPI_COMM_WORLD_LOCAL_RANK=1 (openmpi)');
  });

  it('accepts launchers that agree and reports the first in source order', () => {
    const d = detectLaunch({ ...OPEN_MPI, SLURM_PROCID: '5', RANK: '5' });
    assert.deepEqual([d.rank.value, d.rank.source.detail], [5, 'SLURM_PROCID']);
  });

  it('DYNPIPE_LAUNCHER picks one launcher, so mpirun inside an sbatch script works', () => {
    const nested = { ...OPEN_MPI, SLURM_PROCID: '0', SLURM_NTASKS: '2', SLURM_LOCALID: '0', SLURM_JOB_ID: '9', SLURM_JOB_NODELIST: 'c[1-2]' };
    throwsOneLine(() => detectLaunch(nested), 'E_USAGE', 'SLURM_PROCID=0 (slurm) disagrees with OMPI_COMM_WORLD_RANK=5 (openmpi)');
    const d = detectLaunch({ ...nested, DYNPIPE_LAUNCHER: 'openmpi' });
    assert.deepEqual([d.rank.value, d.worldSize.value, d.masterAddr.value, d.masterPort.value], [5, 8, 'head', 29500]);
    assert.equal(detectLaunch(nested, { launcher: 'openmpi' }).rank.source.kind, 'openmpi');
    throwsOneLine(() => detectLaunch({ ...nested, DYNPIPE_LAUNCHER: 'pbs' }), 'E_USAGE', "DYNPIPE_LAUNCHER must be one of slurm, openmpi, torchrun, got 'pbs'");
  });

  it('a named address or port replaces what Slurm only implies; DYNPIPE_* replaces MASTER_*', () => {
    const d = detectLaunch({ ...SLURM, MASTER_ADDR: '10.1.1.1', MASTER_PORT: '6000' });
    assert.deepEqual([flat(d).masterAddr, flat(d).masterPort], [['10.1.1.1', 'env', 'MASTER_ADDR'], [6000, 'env', 'MASTER_PORT']]);
    const e = detectLaunch({ ...SLURM, MASTER_ADDR: '10.1.1.1', DYNPIPE_MASTER_ADDR: 'gpu02-ib', DYNPIPE_MASTER_PORT: '7000' });
    assert.deepEqual([flat(e).masterAddr, flat(e).masterPort], [['gpu02-ib', 'dynpipe', 'DYNPIPE_MASTER_ADDR'], [7000, 'dynpipe', 'DYNPIPE_MASTER_PORT']]);
  });

  it('says which flag or variable to set when a value is missing', () => {
    throwsOneLine(() => detectLaunch({}), 'E_USAGE', 'rank not set: pass --rank or set SLURM_PROCID or OMPI_COMM_WORLD_RANK or RANK');
    throwsOneLine(() => detectLaunch({}, { rank: 0 }), 'E_USAGE', 'world size not set: pass --world-size or set SLURM_NTASKS or OMPI_COMM_WORLD_SIZE or WORLD_SIZE');
    throwsOneLine(
      () => detectLaunch({ OMPI_COMM_WORLD_RANK: '0', OMPI_COMM_WORLD_SIZE: '2' }),
      'E_USAGE',
      'coordinator address not set: pass --master-addr or set DYNPIPE_MASTER_ADDR or MASTER_ADDR',
    );
    throwsOneLine(
      () => detectLaunch({ OMPI_COMM_WORLD_RANK: '0', OMPI_COMM_WORLD_SIZE: '2', MASTER_ADDR: 'h' }),
      'E_USAGE',
      'coordinator port not set: pass --master-port or set DYNPIPE_MASTER_PORT or MASTER_PORT',
    );
    throwsOneLine(() => detectLaunch({ DYNPIPE_LAUNCHER: 'openmpi' }), 'E_USAGE', 'rank not set: pass --rank or set OMPI_COMM_WORLD_RANK');
  });

  it('defaults only the local rank, to 0', () => {
    const d = detectLaunch({}, { rank: 1, worldSize: 2, masterAddr: 'h', masterPort: 1 });
    assert.deepEqual(flat(d).localRank, [0, 'default', 'default']);
  });

  it('treats an empty variable as unset', () => {
    assert.equal(detectLaunch({ ...TORCHRUN, SLURM_PROCID: '' }).rank.source.detail, 'RANK');
  });

  it('rejects malformed values naming the variable or flag', () => {
    throwsOneLine(() => detectLaunch({ ...SLURM, SLURM_PROCID: 'two' }), 'E_USAGE', "SLURM_PROCID must be an integer in [0, 1048575], got 'two'");
    throwsOneLine(() => detectLaunch({ ...SLURM, SLURM_NTASKS: '0' }), 'E_USAGE', "SLURM_NTASKS must be an integer in [1, 1048576], got '0'");
    throwsOneLine(() => detectLaunch({ ...TORCHRUN, MASTER_PORT: '70000' }), 'E_USAGE', "MASTER_PORT must be an integer in [1, 65535], got '70000'");
    throwsOneLine(() => detectLaunch({ ...TORCHRUN, MASTER_ADDR: 'a b' }), 'E_USAGE', "MASTER_ADDR must be a host name or IP address, got 'a b'");
    throwsOneLine(() => detectLaunch(TORCHRUN, { rank: -1 }), 'E_USAGE', "--rank must be an integer in [0, 1048575], got '-1'");
    throwsOneLine(() => detectLaunch({ ...SLURM, SLURM_STEP_NODELIST: 'gpu[01-' }), 'E_USAGE', "SLURM_STEP_NODELIST: host list 'gpu[01-'");
    throwsOneLine(() => detectLaunch({ ...SLURM, SLURM_JOB_ID: 'x' }), 'E_USAGE', "SLURM_JOB_ID must be an integer");
  });

  it('rejects a rank or local rank not below the world size, naming where each came from', () => {
    throwsOneLine(() => detectLaunch({ ...SLURM, SLURM_PROCID: '4' }), 'E_USAGE', 'rank 4 from SLURM_PROCID (slurm) must be below world size 4 from SLURM_NTASKS (slurm)');
    throwsOneLine(() => detectLaunch(TORCHRUN, { localRank: 2 }), 'E_USAGE', 'local rank 2 from --local-rank must be below world size 2 from WORLD_SIZE (torchrun)');
  });

  it('formatDetected prints an aligned table of field, value and source', () => {
    const text = formatDetected(detectLaunch(SLURM, { masterPort: 6000 }));
    assert.equal(
      text,
      [
        'field                value  source',
        'rank                 2      SLURM_PROCID (slurm)',
        'world size           4      SLURM_NTASKS (slurm)',
        'local rank           0      SLURM_LOCALID (slurm)',
        'coordinator address  gpu01  first host of SLURM_STEP_NODELIST=gpu[01-02] (slurm)',
        'coordinator port     6000   --master-port',
        '',
      ].join('\n'),
    );
  });
});
