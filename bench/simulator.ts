/**
 * Simulator speed: `node dist/bench/simulator.js [--stages 64] [--replicas 8] [--iterations 1000]
 * [--schedule 1f1b|gpipe] [--reps 3] [--interference]`. A synthetic model of 2 blocks per stage
 * (seeded, uneven block times), every stage replicated, 1f1b; prints the wall and CPU time of
 * `simulate` alone (best of --reps, after one warm-up run), the events and the event rate, and the time
 * to turn the result into rank-log text (the CSV rows `dynpipe simulate` writes). With --write DIR
 * it also writes the model as DIR/profile.json and the plan as DIR/plan.json, for timing the whole
 * command: `dynpipe simulate --profile DIR/profile.json --plan DIR/plan.json --out DIR/run`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { printPlan, validatePlan } from '../runtime/plan/plan.js';
import { printProfile } from '../profile/format.js';
import type { BlockCost } from '../partitioner/cost.js';
import { seededRandom } from '../predictor/random.js';
import { DEFAULT_SLOWDOWN_MODEL, type RankInterference } from '../runtime/sim/interference.js';
import { rankRows } from '../runtime/sim/log-rows.js';
import { printRows } from '../runtime/sim/log-text.js';
import { NeverPolicy } from '../runtime/sim/policy.js';
import { simulationReport } from '../runtime/sim/report.js';
import { type SimulationResult, simulate } from '../runtime/sim/simulate.js';
import { flag, intFlag } from './argv.js';

const stages = intFlag('bench/simulator', 'stages', 64);
const replicas = intFlag('bench/simulator', 'replicas', 8);
const iterations = intFlag('bench/simulator', 'iterations', 1000);
const reps = intFlag('bench/simulator', 'reps', 3);
const schedule = flag('schedule', '1f1b') === 'gpipe' ? 'gpipe' : '1f1b';
const withInterference = process.argv.includes('--interference');
const ranks = stages * replicas;

const random = seededRandom(7);
const blocks: BlockCost[] = Array.from({ length: 2 * stages }, () => {
  const f = 0.5 + random();
  return { forwardMs: f, backwardMs: 2 * f, activationBytes: 1e6 * (1 + random()), paramBytes: 4e6 * random() };
});
const map: Record<string, number[]> = {};
for (let s = 0; s < stages; s++) map[String(s)] = Array.from({ length: replicas }, (_, i) => s * replicas + i);
const plan = validatePlan({
  version: 1, model: { name: 'synthetic' }, num_blocks: blocks.length, partition: new Array(stages).fill(2), stage_to_rank_map: map,
  microbatch_size: 8 * replicas, schedule, microbatches_per_step: schedule === 'gpipe' ? 2 * stages : 1,
});
const writeDir = process.argv.includes('--write') ? flag('write', '') : undefined;
if (writeDir) {
  mkdirSync(writeDir, { recursive: true });
  writeFileSync(join(writeDir, 'plan.json'), printPlan(plan));
  writeFileSync(
    join(writeDir, 'profile.json'),
    printProfile({
      version: 1, model: { name: 'synthetic', args: {} }, batch_size: plan.microbatch_size, backend: 'synthetic', device: 'none', date: '2026-01-01T00:00:00Z', source: 'analytic',
      blocks: blocks.map((b, i) => ({ name: `block${i}`, kind: 'other', forward_ms: b.forwardMs, backward_ms: b.backwardMs, activation_bytes: b.activationBytes, param_bytes: b.paramBytes, flops: 0 })),
    }),
  );
}
const microbatches = schedule === 'gpipe' ? iterations * plan.microbatches_per_step : iterations;
const interference: RankInterference[] = withInterference
  ? [{ rank: 3, kind: 'cpu', intensity: 1, startMs: 2000, endMs: 8000, factor: 2, event: 0 }]
  : [];

function run(): SimulationResult {
  return simulate({
    plan, blocks, costs: { network: { bandwidthBytesPerS: 1.86e9, latencyMs: 0.132 }, optimizerBytesPerS: 1e9 }, interference,
    slowdownModel: DEFAULT_SLOWDOWN_MODEL, microbatches, windowMicrobatches: 20, policy: new NeverPolicy(),
    pause: { kind: 'live', fixedMs: 50, bandwidthBytesPerS: 1.86e9 },
  });
}

run(); // warm-up (JIT)
let best = Infinity;
let bestCpu = Infinity;
let result: SimulationResult | undefined;
for (let k = 0; k < reps; k++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  result = run();
  const cpu = process.cpuUsage(c0);
  best = Math.min(best, performance.now() - t0);
  bestCpu = Math.min(bestCpu, (cpu.user + cpu.system) / 1000);
}
const report = simulationReport(result!);
const t1 = performance.now();
let bytes = 0;
for (let r = 0; r < ranks; r++) bytes += printRows(rankRows(result!, interference, r, 'pipedream')).length;
const logMs = performance.now() - t1;
process.stdout.write(
  `| ${stages} x ${replicas} = ${ranks} ranks | ${schedule} | ${microbatches} microbatches | ${report.events} events | ` +
    `${(best / 1000).toFixed(2)} s wall (${(bestCpu / 1000).toFixed(2)} s CPU) | ${Math.round(report.events / (best / 1000))} events/s | log text ${(logMs / 1000).toFixed(2)} s (${(bytes / 1e6).toFixed(0)} MB) |\n`,
);
