/**
 * What the DP minimises, as three O(1) functions of a stage (blocks [i, j) on ranks [r, r + m)):
 *
 *   objective(partition) = penalty(m0) · max( max_k stageTimeMs(stage k), max_cuts linkMs(cut) )
 *
 * where m0 is the input stage's replica count. The bottleneck (the inner max) bounds the
 * steady-state time per microbatch of a 1F1B pipeline; `penalty` lets an objective charge for
 * something that depends on the pipeline's depth (dynpipe-objective.ts). Both objectives share
 * this shape, so one DP (pipedream-dp.ts) and one exhaustive search (exhaustive.ts) serve both.
 *
 * `stageTiming(...).timeMs` is always exactly `stageTimeMs(...)` (the same arithmetic), so a
 * reported plan and the DP agree to the last bit.
 */
import type { Objective, StageCosts } from './cost.js';
import { dynpipeObjective } from './dynpipe-objective.js';

export interface StageTiming {
  /** Compute time of the stage per microbatch, after slowdown and replica split. */
  readonly computeMs: number;
  /** Gradient all-reduce time charged to the stage per microbatch. */
  readonly allreduceMs: number;
  /** Activation/gradient transfer time: charged inside `timeMs` (dynpipe) or, for pipedream, the outgoing link's own pipeline time. */
  readonly commMs: number;
  /** The stage's time in the bottleneck max. */
  readonly timeMs: number;
}

export interface ObjectiveModel {
  readonly objective: Objective;
  readonly costs: StageCosts;
  stageTimeMs(i: number, j: number, r: number, m: number): number;
  stageTiming(i: number, j: number, r: number, m: number): StageTiming;
  /**
   * A lower bound of `stageTimeMs(i, j, r, m)` that never decreases as j grows (with i, r, m
   * fixed), in floating point too; the DP stops extending a stage once it reaches the best value.
   */
  stageLowerBoundMs(i: number, j: number, r: number, m: number): number;
  /** Time of the cut before block j as a pipeline stage of its own (0 < j < B); 0 where stages pay for it. */
  linkMs(j: number): number;
  /** Multiplier of the bottleneck given the input stage's replicas m0; >= 1. */
  penalty(m0: number): number;
}

/**
 * PipeDream's objective (Narayanan et al., SOSP'19, §3.1). A stage of layers i..j replicated on m
 * workers takes
 *   T(i -> j, m) = (1/m) · max( Σ_l T_l , Σ_l W_l^m )                        (PipeDream eq. 1)
 * where T_l is forward + backward time of layer l (here times the slowest replica's slowdown) and
 * W_l^m its all-reduce time, which overlaps with compute; we use ring all-reduce,
 * W^m = 2 (m - 1) / m · params / bandwidth. Activation transfer overlaps with compute too and is a
 * pipeline stage of its own: the cut after layer i costs 2·C_i (activations forward, gradients
 * back), C_i = output bytes of layer i / bandwidth.
 */
export function pipedreamObjective(costs: StageCosts): ObjectiveModel {
  const stageTimeMs = (i: number, j: number, r: number, m: number): number =>
    Math.max(costs.computeMs(i, j) * costs.slowdown(r, m), costs.allreduceMs(i, j, m)) / m;
  const linkMs = (j: number): number => 2 * costs.transferMs(costs.boundaryBytes(j));
  return {
    objective: { kind: 'pipedream' },
    costs,
    stageTimeMs,
    stageTiming: (i, j, r, m) => ({
      computeMs: (costs.computeMs(i, j) * costs.slowdown(r, m)) / m,
      allreduceMs: costs.allreduceMs(i, j, m) / m,
      commMs: linkMs(j),
      timeMs: stageTimeMs(i, j, r, m),
    }),
    stageLowerBoundMs: stageTimeMs, // compute and all-reduce both grow with j
    linkMs,
    penalty: () => 1,
  };
}

export function objectiveModel(costs: StageCosts, objective: Objective): ObjectiveModel {
  switch (objective.kind) {
    case 'pipedream':
      return pipedreamObjective(costs);
    case 'dynpipe':
      return dynpipeObjective(costs, objective.stalenessWeight);
  }
}
