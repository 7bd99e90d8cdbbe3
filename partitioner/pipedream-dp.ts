/**
 * The optimal partitioner: PipeDream's dynamic program (Narayanan et al., SOSP'19, §3.1) extended
 * to heterogeneous ranks and to any objective of the shape in objective.ts. This is the call the
 * runtime repartitioner makes at every replan, so it is pure and allocation-light.
 *
 * PipeDream solves, for the first j layers on m workers,
 *   A(j, m) = min_{i<j} min_{1<=m'<m} max( A(i, m - m'), 2·C_i, T(i+1 -> j, m') )   (PipeDream eq. 2)
 * With heterogeneous ranks, *which* ranks a stage gets matters, not only how many: stages take
 * contiguous rank ranges in pipeline order, so the state must say where the ranks used so far end.
 * We run the same recurrence over suffixes, which also puts the input stage — the only stage the
 * depth penalty depends on — at the root:
 *
 *   F[i][r] = best bottleneck placing blocks [i, B) on ranks [r, N), every rank used
 *   F[B][N] = 0;  F[B][r] = ∞ (r < N);  F[i][N] = ∞ (i < B)
 *   F[i][r] = min_{i<j<=B} min_{1<=m<=min(K, N-r)} max( T(i, j, r, m), L(j), F[j][r + m] )
 *   answer  = min_{j, m0} penalty(m0) · max( T(0, j, 0, m0), L(j), F[j][m0] )     (F[0][0] with the penalty)
 *
 * T is the objective's stage time (∞ when the stage breaks the memory limit), L(j) the cut's link
 * time (PipeDream's 2·C; 0 at j = B), K the replica cap. With all slowdowns 1, F[i][r] depends on r
 * only through N - r and this is exactly PipeDream's A(j, m) mirrored. Ties go to the first
 * candidate in (m, j) ascending order, so plans are deterministic.
 *
 * Cost: O(B² · N · K) time for B blocks, N ranks; (B + 1)(N + 1) cells in three typed arrays.
 */
import { type PlannerProblem, StageCosts, infeasible, replicaCap } from './cost.js';
import { type PartitionResult, type StageAssignment, describePartition, objectiveValue } from './evaluate.js';
import { type ObjectiveModel, objectiveModel } from './objective.js';

function gb(bytes: number): string {
  return `${(bytes / 1e9).toFixed(3)} GB`;
}

/** Names the reason no partition exists (called only when the DP found none). */
function explainInfeasible(problem: PlannerProblem, costs: StageCosts): string {
  const b = problem.blocks.length;
  const n = problem.ranks;
  const k = replicaCap(problem);
  if (n > b * k) {
    const why = k === problem.batchSize && k < (problem.maxReplicas ?? n) ? ` (a stage cannot have more replicas than the ${problem.batchSize} samples of a microbatch)` : '';
    return `cannot use all ${n} ranks: ${b} blocks with at most ${k} replicas per stage hold at most ${b * k} ranks${why}`;
  }
  const limit = problem.memoryPerRankBytes!;
  const name = (i: number): string => (problem.blockNames?.[i] !== undefined ? `block ${i} '${problem.blockNames[i]}'` : `block ${i}`);
  for (let i = 0; i < b; i++) {
    const least = costs.memoryBytes(i, i + 1, n - k, k); // alone, on the last k ranks: one version, activations split k ways
    if (least > limit) return `${name(i)} alone needs ${gb(least)} per rank (parameters + stashed activations), more than the ${gb(limit)} limit`;
  }
  return `no partition of ${b} blocks over ${n} ranks fits in ${gb(limit)} per rank: weight stashing keeps ceil((N - r) / m) versions on a stage starting at rank r with m replicas (allow more replicas, use more ranks or a smaller microbatch)`;
}

/** Walks the argmin tables from (0, 0) to the stages of the optimal partition. */
function reconstruct(nextBlock: Int32Array, replicas: Int32Array, numBlocks: number, numRanks: number): StageAssignment[] {
  const stages: StageAssignment[] = [];
  let i = 0;
  let r = 0;
  while (i < numBlocks) {
    const cell = i * (numRanks + 1) + r;
    const j = nextBlock[cell];
    const m = replicas[cell];
    stages.push({ blocks: [i, j], firstRank: r, replicas: m });
    i = j;
    r += m;
  }
  return stages;
}

/**
 * Fills F (see module comment) and returns the optimal value with its argmin tables. `ceilingMs`
 * is the objective of some feasible partition (or ∞): a stage slower than it cannot be part of a
 * better partition, so candidates are cut there — strictly above, so a partition reaching the
 * ceiling exactly survives. This only skips work; the optimum is unchanged.
 */
function solve(model: ObjectiveModel, problem: PlannerProblem, ceilingMs: number): { value: number; nextBlock: Int32Array; replicas: Int32Array } {
  const costs = model.costs;
  const nb = costs.numBlocks;
  const n = costs.numRanks;
  const k = replicaCap(problem);
  const limit = problem.memoryPerRankBytes;
  const width = n + 1;
  const cell = (i: number, r: number): number => i * width + r;
  const best = new Float64Array((nb + 1) * width).fill(Infinity);
  const nextBlock = new Int32Array((nb + 1) * width).fill(-1);
  const replicas = new Int32Array((nb + 1) * width).fill(-1);
  best[cell(nb, n)] = 0;
  for (let i = nb - 1; i >= 0; i--) {
    // Only the input stage starts at rank 0, and F[0][r > 0] is never needed.
    const [highestRank, lowestRank] = i === 0 ? [0, 0] : [n - 1, 1];
    for (let r = highestRank; r >= lowestRank; r--) {
      if (n - r > (nb - i) * k) continue; // too many ranks left for the blocks left: stays ∞
      let bestValue = Infinity;
      let bestJ = -1;
      let bestM = -1;
      const maxM = Math.min(k, n - r);
      for (let m = 1; m <= maxM; m++) {
        const penalty = i === 0 ? model.penalty(m) : 1; // >= 1, so penalty · x >= x even after rounding
        for (let j = i + 1; j <= nb; j++) {
          // Stage time and memory only grow with j (see ObjectiveModel.stageLowerBoundMs), so once
          // the stage alone cannot beat the best candidate or the ceiling, or does not fit, no larger j can.
          const floor = model.stageLowerBoundMs(i, j, r, m);
          if (floor > ceilingMs || penalty * floor >= bestValue) break;
          if (limit !== undefined && costs.memoryBytes(i, j, r, m) > limit) break;
          const rest = best[cell(j, r + m)];
          if (rest >= bestValue) continue; // also skips ∞ (no way to finish)
          const link = j < nb ? model.linkMs(j) : 0;
          if (link >= bestValue) continue;
          const value = penalty * Math.max(model.stageTimeMs(i, j, r, m), link, rest);
          if (value < bestValue) {
            bestValue = value;
            bestJ = j;
            bestM = m;
          }
        }
      }
      best[cell(i, r)] = bestValue;
      nextBlock[cell(i, r)] = bestJ;
      replicas[cell(i, r)] = bestM;
    }
  }
  return { value: best[cell(0, 0)], nextBlock, replicas };
}

/**
 * The partition minimising the problem's objective (see module comment). Throws E_USAGE for bad
 * numbers and E_PLAN_INFEASIBLE, saying why, when no partition uses every rank within the
 * replica cap and memory limit.
 */
export function planPartition(problem: PlannerProblem): PartitionResult {
  const costs = new StageCosts(problem);
  const model = objectiveModel(costs, problem.objective);
  // Pure data parallelism, when allowed, is a cheap first ceiling.
  const dataParallel: StageAssignment[] = [{ blocks: [0, costs.numBlocks], firstRank: 0, replicas: costs.numRanks }];
  const ceilingMs = costs.numRanks <= replicaCap(problem) ? objectiveValue(model, problem, dataParallel) : Infinity;
  const { value, nextBlock, replicas } = solve(model, problem, ceilingMs);
  if (value === Infinity) throw infeasible(explainInfeasible(problem, costs));
  const result = describePartition(model, problem, reconstruct(nextBlock, replicas, costs.numBlocks, costs.numRanks));
  if (result.objectiveMs !== value) throw new Error(`planner: reconstructed objective ${result.objectiveMs} differs from the DP's ${value}`);
  return result;
}
