/**
 * Reference search for tests: enumerates every partition (every way to cut B blocks into S
 * contiguous stages and N ranks into S contiguous groups, S = 1..min(B, N)) and evaluates each
 * directly with `objectiveValue`, sharing nothing with the DP but the stage cost functions.
 * Σ_S C(B-1, S-1) · C(N-1, S-1) partitions: 1,365 for 12 blocks and 5 ranks. Test use only.
 */
import { type PlannerProblem, StageCosts } from './cost.js';
import { type StageAssignment, objectiveValue } from './evaluate.js';
import { objectiveModel } from './objective.js';

export interface ExhaustiveResult {
  /** Minimal objective over all feasible partitions; Infinity when none is feasible. */
  readonly objectiveMs: number;
  /** Every partition reaching it (empty when none is feasible). */
  readonly optimal: StageAssignment[][];
  /** Number of partitions enumerated (feasible or not). */
  readonly enumerated: number;
}

export function exhaustiveSearch(problem: PlannerProblem): ExhaustiveResult {
  const model = objectiveModel(new StageCosts(problem), problem.objective);
  const nb = problem.blocks.length;
  const n = problem.ranks;
  let bestValue = Infinity;
  let optimal: StageAssignment[][] = [];
  let enumerated = 0;
  const stages: StageAssignment[] = [];
  const extend = (i: number, r: number): void => {
    if (i === nb || r === n) {
      if (i !== nb || r !== n) return;
      enumerated++;
      const value = objectiveValue(model, problem, stages);
      if (value < bestValue) {
        bestValue = value;
        optimal = [];
      }
      if (value === bestValue && value !== Infinity) optimal.push(stages.slice());
      return;
    }
    for (let j = i + 1; j <= nb; j++) {
      for (let m = 1; r + m <= n; m++) {
        stages.push({ blocks: [i, j], firstRank: r, replicas: m });
        extend(j, r + m);
        stages.pop();
      }
    }
  };
  extend(0, 0);
  return { objectiveMs: bestValue, optimal, enumerated };
}
