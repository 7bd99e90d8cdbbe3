/**
 * What a worker decides from its detected placement (env-detect.ts) before it starts: whether the
 * launcher's world matches the plan, whether this process also runs the coordinator, and the job id
 * that names its ipc socket. Pure: the detection and plan size are passed in.
 */
import { DynpipeError } from '../errors.js';
import { describeSource, LAUNCHERS, type DetectedLaunch } from './env-detect.js';

/**
 * `auto`: rank 0 runs the coordinator in-process when its rank came from a launcher (srun, mpirun,
 * torchrun-style variables), so one launcher line is the whole job; with ranks placed by flags a
 * separate `dynpipe coordinator` (or `dynpipe launch`) is expected. `in-process`: this rank, which
 * must be rank 0, runs it. `external`: never.
 */
export const COORDINATOR_MODES = ['auto', 'in-process', 'external'] as const;
export type CoordinatorMode = (typeof COORDINATOR_MODES)[number];

/** True when this worker process should also run the coordinator; E_USAGE for in-process off rank 0. */
export function runsCoordinator(d: DetectedLaunch, mode: CoordinatorMode): boolean {
  const rank = d.rank.value;
  if (mode === 'external') return false;
  if (mode === 'in-process') {
    if (rank !== 0) throw new DynpipeError('E_USAGE', `--coordinator in-process is for rank 0, but this is rank ${rank} (from ${describeSource(d.rank)})`);
    return true;
  }
  return rank === 0 && (LAUNCHERS as readonly string[]).includes(d.rank.source.kind);
}

/** E_USAGE unless the detected world size equals the plan's number of ranks. */
export function checkWorldSize(d: DetectedLaunch, planRanks: number, planPath: string): void {
  if (d.worldSize.value !== planRanks) {
    throw new DynpipeError(
      'E_USAGE',
      `world size ${d.worldSize.value} from ${describeSource(d.worldSize)} does not match the plan's ${planRanks} ranks (${planPath}); start ${planRanks} workers`,
    );
  }
}

/**
 * The job id that names this job's ipc sockets (`<tmp>/dynpipe-<id>/r<rank>.sock`) when none is given:
 * derived from the coordinator's address and port, which no two live jobs share.
 */
export function ipcJobId(coordinatorIPv4: string, coordinatorPort: number): string {
  return `c${coordinatorIPv4.replace(/[^0-9A-Za-z]/g, '-')}-${coordinatorPort}`;
}
