/**
 * DynPipe's objective: what our runtime actually pays, plus a price for staleness.
 *
 * 1. Nothing overlaps. A worker of our runtime is one Node process: it (de)serialises and
 *    sends/receives activations and gradients, and all-reduces a stage's gradients after each
 *    1F1B step, on the same thread that computes. So a stage of blocks [i, j) on ranks [r, r + m)
 *    takes, per microbatch,
 *      time = s · compute / m                       (replicas split the microbatch; s = slowest factor)
 *           + W^m                                   (ring all-reduce, 2 (m - 1) / m · params / bw, every step)
 *           + 2 · (bytes_in + bytes_out) / (m · bw)  (its share of activations in/out and gradients back)
 *    and cuts are not separate pipeline stages (linkMs = 0).
 *
 * 2. Staleness. With 1F1B and weight stashing the input stage computes the gradient of a
 *    microbatch on weights d - 1 updates older than those it is applied to, d = ceil(N / m0)
 *    microbatches in flight (plan.ts `defaultInFlight`); deeper stages are less stale. Stale
 *    gradients cost extra steps to reach a given accuracy, roughly in proportion to the delay for
 *    the small delays of a pipeline. We model steps-to-accuracy as (1 + λ (d - 1)) times that of
 *    synchronous SGD, so time-to-accuracy is proportional to
 *      objective = bottleneck · (1 + λ · (ceil(N / m0) - 1)).
 *    λ = 0 is pure throughput; pure data parallelism (m0 = N, d = 1) pays nothing; a deep straight
 *    pipeline pays λ (N - 1). The penalty depends only on the input stage, which keeps the DP exact.
 */
import type { StageCosts } from './cost.js';
import type { ObjectiveModel } from './objective.js';

export function dynpipeObjective(costs: StageCosts, stalenessWeight: number): ObjectiveModel {
  const computeMs = (i: number, j: number, r: number, m: number): number => (costs.computeMs(i, j) * costs.slowdown(r, m)) / m;
  const commMs = (i: number, j: number, m: number): number =>
    (2 * (costs.transferMs(costs.boundaryBytes(i)) + costs.transferMs(costs.boundaryBytes(j)))) / m;
  const stageTimeMs = (i: number, j: number, r: number, m: number): number =>
    computeMs(i, j, r, m) + costs.allreduceMs(i, j, m) + commMs(i, j, m);
  return {
    objective: { kind: 'dynpipe', stalenessWeight },
    costs,
    stageTimeMs,
    stageTiming: (i, j, r, m) => ({
      computeMs: computeMs(i, j, r, m),
      allreduceMs: costs.allreduceMs(i, j, m),
      commMs: commMs(i, j, m),
      timeMs: stageTimeMs(i, j, r, m),
    }),
    // Drops the outgoing transfer, the one term that can shrink as j grows; 2·(in + out) >= 2·in holds after rounding too.
    stageLowerBoundMs: (i, j, r, m) => computeMs(i, j, r, m) + costs.allreduceMs(i, j, m) + (2 * costs.transferMs(costs.boundaryBytes(i))) / m,
    linkMs: () => 0,
    penalty: (m0) => 1 + stalenessWeight * (Math.ceil(costs.numRanks / m0) - 1),
  };
}
