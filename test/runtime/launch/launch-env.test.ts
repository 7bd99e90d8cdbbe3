import { strict as assert } from 'node:assert';
import { detectLaunch, type Env } from '../../../runtime/launch/env-detect.js';
import { checkWorldSize, ipcJobId, runsCoordinator } from '../../../runtime/launch/launch-env.js';
import { throwsOneLine } from './helpers.js';

const slurmTask = (rank: number): Env => ({ SLURM_PROCID: String(rank), SLURM_NTASKS: '4', SLURM_LOCALID: String(rank % 2), SLURM_JOB_ID: '77', SLURM_STEP_NODELIST: 'n[1-2]' });

describe('launch-env', () => {
  it('auto: only rank 0 started by a launcher runs the coordinator; ranks placed by flags never do', () => {
    assert.deepEqual([0, 1, 2, 3].map((r) => runsCoordinator(detectLaunch(slurmTask(r)), 'auto')), [true, false, false, false]);
    const torchrun = detectLaunch({ RANK: '0', WORLD_SIZE: '2', MASTER_ADDR: 'h', MASTER_PORT: '1' });
    assert.equal(runsCoordinator(torchrun, 'auto'), true);
    const byHand = detectLaunch({}, { rank: 0, worldSize: 2, masterAddr: 'h', masterPort: 1 });
    assert.equal(runsCoordinator(byHand, 'auto'), false);
    // A --rank flag under srun overrides SLURM_PROCID and makes the placement the user's.
    assert.equal(runsCoordinator(detectLaunch(slurmTask(3), { rank: 0 }), 'auto'), false);
  });

  it('in-process is for rank 0 only; external never runs it', () => {
    assert.equal(runsCoordinator(detectLaunch({}, { rank: 0, worldSize: 2, masterAddr: 'h', masterPort: 1 }), 'in-process'), true);
    throwsOneLine(() => runsCoordinator(detectLaunch(slurmTask(2)), 'in-process'), 'E_USAGE', '--coordinator in-process is for rank 0, but this is rank 2 (from SLURM_PROCID (slurm))');
    assert.equal(runsCoordinator(detectLaunch(slurmTask(0)), 'external'), false);
  });

  it('names where the world size came from when it differs from the plan', () => {
    checkWorldSize(detectLaunch(slurmTask(1)), 4, 'plan.json');
    throwsOneLine(() => checkWorldSize(detectLaunch(slurmTask(1)), 3, 'runs/plan.json'), 'E_USAGE', "world size 4 from SLURM_NTASKS (slurm) does not match the plan's 3 ranks (runs/plan.json)");
    throwsOneLine(() => checkWorldSize(detectLaunch({}, { rank: 0, worldSize: 2, masterAddr: 'h', masterPort: 1 }), 3, 'p.json'), 'E_USAGE', 'world size 2 from --world-size');
  });

  it('ranks started by hand may leave the world size to the plan; a launcher\'s or flag\'s value still wins', () => {
    const byHand = detectLaunch({}, { rank: 1, masterAddr: 'h', masterPort: 1, planWorldSize: 4 });
    assert.deepEqual(byHand.worldSize, { value: 4, source: { kind: 'default', detail: 'the plan' } });
    checkWorldSize(byHand, 4, 'plan.json');
    assert.equal(detectLaunch(slurmTask(1), { planWorldSize: 3 }).worldSize.value, 4);
    assert.equal(detectLaunch({}, { rank: 1, worldSize: 2, masterAddr: 'h', masterPort: 1, planWorldSize: 3 }).worldSize.value, 2);
    throwsOneLine(() => detectLaunch({}, { rank: 5, masterAddr: 'h', masterPort: 1, planWorldSize: 4 }), 'E_USAGE', 'rank 5 from --rank must be below world size 4 from the plan');
  });

  it('derives an ipc job id from the coordinator address and port, valid as a job id', () => {
    assert.equal(ipcJobId('192.0.2.101', 29500), 'c192-0-2-101-29500');
    assert.notEqual(ipcJobId('10.0.0.1', 29500), ipcJobId('10.0.0.1', 29501));
    assert.match(ipcJobId('255.255.255.255', 65535), /^[A-Za-z0-9_-]{1,40}$/);
  });
});
