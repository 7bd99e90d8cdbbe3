/**
 * The four modes `dynpipe launch --mode` runs, as the simulator plays them: which policy decides
 * at each window and what a plan change costs.
 *
 *   pipedream   static plan (never repartitions)
 *   simple      proportional rebalance of the blocks, live migration
 *   dynpipe-re  planner with measured slowdowns, checkpoint and restart
 *   dynpipe     planner with measured slowdowns, live migration
 *
 * TODO(migration merge): build the coordinator's RepartitionController (dynpipe, dynpipe-re) and
 * SimplePolicy here; the stand-ins below share their contract (policy.ts).
 */
import type { Objective } from '../../partitioner/cost.js';
import type { Plan } from '../plan/plan.js';
import { type ChangeKind, type PauseModel } from './pause.js';
import { PlannerPolicy } from './planner-policy.js';
import { NeverPolicy, type RepartitionPolicy } from './policy.js';
import { SimplePolicy } from './simple-policy.js';

export const SIM_MODES = ['pipedream', 'simple', 'dynpipe-re', 'dynpipe'] as const;
export type SimMode = (typeof SIM_MODES)[number];

export interface ModeSettings {
  readonly simpleThreshold: number;
  readonly dwellMs: number;
  readonly confirmWindows: number;
  readonly margin: number;
  readonly horizonIterations: number;
  readonly objective: Objective;
  readonly bandwidthBytesPerS: number;
  readonly maxReplicas?: number;
  readonly pause: PauseModel;
  /** Unslowed optimizer step of a stage (the policies' baseline includes it). */
  readonly stepMs: (plan: Plan, stage: number) => number;
}

/** How a mode changes plans. */
export function changeKind(mode: SimMode): ChangeKind {
  return mode === 'dynpipe-re' ? 'restart' : 'live';
}

export function createPolicy(mode: SimMode, s: ModeSettings): RepartitionPolicy {
  switch (mode) {
    case 'pipedream':
      return new NeverPolicy();
    case 'simple':
      return new SimplePolicy({ threshold: s.simpleThreshold, dwellMs: s.dwellMs, stepMs: s.stepMs });
    case 'dynpipe-re':
    case 'dynpipe':
      return new PlannerPolicy({
        objective: s.objective, bandwidthBytesPerS: s.bandwidthBytesPerS, maxReplicas: s.maxReplicas, horizonIterations: s.horizonIterations,
        confirmWindows: s.confirmWindows, dwellMs: s.dwellMs, margin: s.margin, pause: s.pause, stepMs: s.stepMs,
      });
  }
}
