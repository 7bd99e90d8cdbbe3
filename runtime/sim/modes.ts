/**
 * The four modes of `dynpipe launch --mode`, as the simulator plays them: which policy decides at
 * each window (the coordinator's own, runtime/coordinator/) and how a plan change is made.
 *
 *   pipedream   static plan (never repartitions)
 *   simple      SimplePolicy: proportional rebalance of the blocks; live migration
 *   dynpipe-re  RepartitionController (planner with measured slowdowns); checkpoint and restart
 *   dynpipe     RepartitionController; live migration
 *
 * Settings mirror `dynpipe launch`'s flags of the same names and defaults. The controller prices a
 * change with its own prior (`controllerCostMs`, launch's --migration-cost-ms) until it is told a
 * measured pause; what a change really costs in the simulation is pause.ts's model.
 */
import type { Objective } from '../../partitioner/cost.js';
import { RepartitionController } from '../coordinator/controller.js';
import { SimplePolicy } from '../coordinator/simple-policy.js';
import type { ChangeKind } from './pause.js';
import { NeverPolicy, type RepartitionPolicy } from './policy.js';

export const SIM_MODES = ['pipedream', 'simple', 'dynpipe-re', 'dynpipe'] as const;
export type SimMode = (typeof SIM_MODES)[number];

/** `dynpipe launch --migration-cost-ms`'s defaults: the controller's prior of a change's fixed cost. */
export const CONTROLLER_COST_MS: Readonly<Record<ChangeKind, number>> = { live: 50, restart: 5000 };

export interface ModeSettings {
  readonly simpleThreshold: number;
  readonly dwellMs: number;
  readonly confirmWindows: number;
  readonly margin: number;
  readonly horizonIterations: number;
  readonly objective: Objective;
  readonly bandwidthBytesPerS: number;
  readonly maxReplicas?: number;
  /** The controller's fixed cost of a change until one has been measured. */
  readonly controllerCostMs: number;
  /** Optimizer slots per parameter that move with a block (migration-cost.ts: optimizerSlots). */
  readonly optimizerSlots: number;
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
      return new SimplePolicy({ threshold: s.simpleThreshold, dwellMs: s.dwellMs });
    case 'dynpipe-re':
    case 'dynpipe':
      return new RepartitionController({
        horizonIterations: s.horizonIterations, confirmWindows: s.confirmWindows, dwellMs: s.dwellMs, margin: s.margin,
        planner: { objective: s.objective, bandwidthBytesPerS: s.bandwidthBytesPerS, maxReplicas: s.maxReplicas },
        cost: { fixedMs: s.controllerCostMs, bandwidthBytesPerS: s.bandwidthBytesPerS, optimizerSlots: s.optimizerSlots },
      });
  }
}
