/**
 * Evaluates one partition — a list of stages, each a block range on a contiguous rank range, in
 * pipeline order, together covering every block and every rank — under an objective. The DP and
 * the exhaustive search both report through `describePartition`, so every number in a plan comes
 * from the same arithmetic as the search that chose it.
 */
import { type Objective, type PlannerProblem, replicaCap } from './cost.js';
import type { ObjectiveModel } from './objective.js';

/** A stage before costing: blocks [blocks[0], blocks[1]) on ranks firstRank .. firstRank + replicas - 1. */
export interface StageAssignment {
  readonly blocks: readonly [number, number];
  readonly firstRank: number;
  readonly replicas: number;
}

export interface StageResult {
  readonly blocks: [number, number];
  readonly ranks: number[];
  readonly computeMs: number;
  readonly allreduceMs: number;
  readonly commMs: number;
  readonly timeMs: number;
  /** Weight-stash versions each rank of the stage keeps (cost.ts memory model). */
  readonly stashVersions: number;
  readonly memoryBytes: number;
}

export interface PartitionResult {
  readonly objective: Objective;
  readonly stages: StageResult[];
  /** Steady-state time per microbatch: max of stage times and (pipedream) link times. */
  readonly bottleneckMs: number;
  /** Depth penalty of the objective (1 for pipedream). */
  readonly penalty: number;
  /** What the planner minimises: penalty · bottleneckMs. */
  readonly objectiveMs: number;
  /** Microbatch size / bottleneck. */
  readonly throughputSamplesPerS: number;
  /** Total compute / Σ_r (1 / slowdown_r): no partition of any objective has a smaller bottleneck. */
  readonly lowerBoundMs: number;
  /** Memory of each rank, by rank. */
  readonly memoryPerRankBytes: number[];
}

/** Throws a plain Error (a bug, not a user mistake) unless `stages` tile all blocks and ranks in order. */
export function checkTiling(stages: readonly StageAssignment[], numBlocks: number, numRanks: number): void {
  let block = 0;
  let rank = 0;
  for (const s of stages) {
    if (s.blocks[0] !== block || s.blocks[1] <= block || s.firstRank !== rank || s.replicas < 1) {
      throw new Error(`partition does not tile blocks/ranks in order at stage ${JSON.stringify(s)}`);
    }
    block = s.blocks[1];
    rank += s.replicas;
  }
  if (block !== numBlocks || rank !== numRanks) throw new Error(`partition covers ${block}/${numBlocks} blocks and ${rank}/${numRanks} ranks`);
}

/** The bottleneck of a partition: max over stage times and the link times of its cuts. */
export function bottleneckMs(model: ObjectiveModel, stages: readonly StageAssignment[]): number {
  let worst = 0;
  stages.forEach((s, k) => {
    worst = Math.max(worst, model.stageTimeMs(s.blocks[0], s.blocks[1], s.firstRank, s.replicas));
    if (k < stages.length - 1) worst = Math.max(worst, model.linkMs(s.blocks[1]));
  });
  return worst;
}

/** Whether a partition respects the replica cap and the memory limit. */
export function isFeasible(model: ObjectiveModel, problem: PlannerProblem, stages: readonly StageAssignment[]): boolean {
  const cap = replicaCap(problem);
  const limit = problem.memoryPerRankBytes;
  return stages.every(
    (s) => s.replicas <= cap && (limit === undefined || model.costs.memoryBytes(s.blocks[0], s.blocks[1], s.firstRank, s.replicas) <= limit),
  );
}

/** The objective value of a partition; Infinity when it is infeasible. */
export function objectiveValue(model: ObjectiveModel, problem: PlannerProblem, stages: readonly StageAssignment[]): number {
  if (!isFeasible(model, problem, stages)) return Infinity;
  return model.penalty(stages[0].replicas) * bottleneckMs(model, stages);
}

export function lowerBoundMs(problem: PlannerProblem): number {
  const total = problem.blocks.reduce((s, b) => s + b.forwardMs + b.backwardMs, 0);
  const capacity = (problem.slowdown ?? new Array<number>(problem.ranks).fill(1)).reduce((s, f) => s + 1 / f, 0);
  return total / capacity;
}

/** Costs every stage of a (tiling) partition and summarises it. */
export function describePartition(model: ObjectiveModel, problem: PlannerProblem, stages: readonly StageAssignment[]): PartitionResult {
  checkTiling(stages, model.costs.numBlocks, model.costs.numRanks);
  const costs = model.costs;
  const memoryPerRankBytes = new Array<number>(costs.numRanks).fill(0);
  const results = stages.map((s): StageResult => {
    const [i, j] = s.blocks;
    const ranks = Array.from({ length: s.replicas }, (_, k) => s.firstRank + k);
    const memoryBytes = costs.memoryBytes(i, j, s.firstRank, s.replicas);
    for (const r of ranks) memoryPerRankBytes[r] = memoryBytes;
    return { blocks: [i, j], ranks, ...model.stageTiming(i, j, s.firstRank, s.replicas), stashVersions: costs.stashVersions(s.firstRank, s.replicas), memoryBytes };
  });
  const bottleneck = bottleneckMs(model, stages);
  const penalty = model.penalty(stages[0].replicas);
  return {
    objective: model.objective,
    stages: results,
    bottleneckMs: bottleneck,
    penalty,
    objectiveMs: penalty * bottleneck,
    throughputSamplesPerS: bottleneck > 0 ? (problem.batchSize * 1000) / bottleneck : 0,
    lowerBoundMs: lowerBoundMs(problem),
    memoryPerRankBytes,
  };
}
