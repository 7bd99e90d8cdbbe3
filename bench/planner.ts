/**
 * Planner benchmark: `node dist/bench/planner.js [--runs 9]`. Prints two markdown tables.
 *
 * 1. Time of `planPartition` vs blocks (50, 100, 200) x ranks (4, 8, 16), both objectives, on
 *    seeded random profiles with heterogeneous slowdowns (the runtime's replan call): the first
 *    (cold, includes JIT warm-up) call and the median of `runs` warm calls.
 * 2. Plan quality on the real PipeDream profiles: bottleneck / (total compute / N), the lower
 *    bound no partition beats, for straight pipelines and with replication, on a fast and a slow
 *    network.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BlockCost, type Objective, type PlannerProblem, blocksFromProfile } from '../partitioner/cost.js';
import { planPartition } from '../partitioner/pipedream-dp.js';
import { inferImagenetBatch, parsePipedreamGraph, pipedreamProfile } from '../profile/pipedream-graph.js';

const runsAt = process.argv.indexOf('--runs');
const runs = runsAt >= 0 ? Number(process.argv[runsAt + 1]) : 9;
if (!Number.isInteger(runs) || runs < 1) {
  process.stderr.write(`bench/planner: --runs must be an integer >= 1, got '${process.argv[runsAt + 1]}'\n`);
  process.exit(2);
}

/** Park-Miller minimal standard generator: a fixed seed gives the same profiles on every machine. */
function prng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

function randomBlocks(count: number, next: () => number): BlockCost[] {
  return Array.from({ length: count }, () => {
    const forwardMs = 0.5 + 4.5 * next();
    return { forwardMs, backwardMs: forwardMs * (1.5 + next()), activationBytes: 1e6 + 4e7 * next(), paramBytes: 2e7 * next() };
  });
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function timeMs(f: () => void): number {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}

function timingTable(): string {
  const objectives: Objective[] = [{ kind: 'pipedream' }, { kind: 'dynpipe', stalenessWeight: 0.1 }];
  const rows = ['| blocks | ranks | objective | cold ms | warm median ms | warm max ms | stages |', '|---:|---:|---|---:|---:|---:|---:|'];
  for (const numBlocks of [50, 100, 200]) {
    for (const ranks of [4, 8, 16]) {
      for (const objective of objectives) {
        const next = prng(numBlocks * 100 + ranks);
        const problem: PlannerProblem = {
          blocks: randomBlocks(numBlocks, next),
          batchSize: 64,
          ranks,
          bandwidthBytesPerS: 10e9,
          slowdown: Array.from({ length: ranks }, () => 1 + 1.5 * next()),
          objective,
        };
        let stages = 0;
        const cold = timeMs(() => (stages = planPartition(problem).stages.length));
        const warm = Array.from({ length: runs }, () => timeMs(() => planPartition(problem)));
        rows.push(`| ${numBlocks} | ${ranks} | ${objective.kind} | ${cold.toFixed(1)} | ${median(warm).toFixed(1)} | ${Math.max(...warm).toFixed(1)} | ${stages} |`);
      }
    }
  }
  return rows.join('\n');
}

function qualityTable(): string {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const rows = [
    '| model | GB/s | objective | ranks | straight: bottleneck / (sum/N) | replicated: bottleneck / (sum/N) | replicated plan (blocks x replicas) |',
    '|---|---:|---|---:|---:|---:|---|',
  ];
  for (const name of ['vgg16', 'alexnet'] as const) {
    const path = resolve(root, '..', 'shared', 'fixtures', 'pipedream-profiles', `${name}.graph.txt`);
    const graph = parsePipedreamGraph(readFileSync(path, 'utf8'), path);
    const profile = pipedreamProfile(graph, { model: { name }, batchSize: inferImagenetBatch(graph)!, date: new Date(0).toISOString() });
    for (const gbps of [10, 1.25]) {
      for (const objective of [{ kind: 'pipedream' }, { kind: 'dynpipe', stalenessWeight: 0 }] as Objective[]) {
        for (const ranks of [2, 4, 8, 16]) {
          const base: PlannerProblem = { blocks: blocksFromProfile(profile), batchSize: profile.batch_size, ranks, bandwidthBytesPerS: gbps * 1e9, objective };
          const straight = planPartition({ ...base, maxReplicas: 1 });
          const hybrid = planPartition(base);
          const shape = hybrid.stages.map((s) => `${s.blocks[1] - s.blocks[0]}x${s.ranks.length}`).join(' ');
          const ratio = (r: typeof hybrid): string => (r.bottleneckMs / r.lowerBoundMs).toFixed(3);
          rows.push(`| ${name} | ${gbps} | ${objective.kind} | ${ranks} | ${ratio(straight)} | ${ratio(hybrid)} | ${shape} |`);
        }
      }
    }
  }
  return rows.join('\n');
}

process.stdout.write(`## planPartition time (ms), ${runs} warm runs\n\n${timingTable()}\n\n## Plan quality on PipeDream's profiles\n\n${qualityTable()}\n`);
