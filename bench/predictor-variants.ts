/**
 * Model selection for the slowdown forest without touching the held-out mixes:
 * `node dist/bench/predictor-variants.js DATA.csv.gz VARIANT '{json options}'`.
 *
 * Splits DATA exactly as `dynpipe predictor eval --test-fraction 0.3 --seed 1` does, then scores one
 * feature variant and forest setting by grouped 4-fold cross-validation over the *training* mixes
 * only (the 30% that eval holds out are never read), printing one line: MAPE and R² of the pooled
 * fold predictions. Each fold fits one ml-random-forest on a seeded sample of `rows` training rows.
 *
 * Variants (what the trees see):
 *   base     the predictor's feature vector (predictor/features.ts)
 *   rel      base + the observer's alone ms (joined from its own rows), ln(target / observer alone
 *            ms), ln(target / observer FLOP/B), ln(self_compute_ratio)
 *   relonly  the three relative terms, target alone_ms and FLOP/B, and five host proxies
 *   devsel   a hand-picked dozen: range size, intensity, and the CPU-contention proxies
 * Options: trees (20), depth (8), minNode (20), rows (1500), log (true: fit ln slowdown),
 * ff (share of features per tree; default all).
 */
import { RandomForestRegression } from 'ml-random-forest';
import { readDataset } from '../runtime/cli/commands/predictor-io.js';
import type { DatasetRow } from '../predictor/dataset.js';
import { groupedFolds, groupedSplit, mape, r2 } from '../predictor/evaluate.js';
import { toVector } from '../predictor/features.js';
import { seededRandom, shuffled } from '../predictor/random.js';

const [data, variant = 'base', json = '{}'] = process.argv.slice(2);
if (!data) {
  process.stderr.write("usage: node dist/bench/predictor-variants.js DATA.csv.gz [base|rel|relonly|devsel] ['{\"ff\":0.33}']\n");
  process.exit(2);
}
const o = { trees: 20, depth: 8, minNode: 20, rows: 1500, log: true, ff: 0, ...(JSON.parse(json) as Record<string, number | boolean>) };

const rows = readDataset(data);
const aloneOf = new Map(rows.map((r) => [`${r.mix}#${r.repeat}#${r.target}`, r.static.alone_ms]));

function features(r: DatasetRow): number[] {
  const s = r.static;
  const d = r.device;
  const observerAlone = aloneOf.get(`${r.mix}#${r.repeat}#${r.observer}`)!;
  const relative = [Math.log(s.alone_ms / observerAlone), Math.log(s.flops_per_byte / d.self_flops_per_byte), Math.log(d.self_compute_ratio)];
  switch (variant) {
    case 'base':
      return toVector(s, d);
    case 'rel':
      return [...toVector(s, d), observerAlone, ...relative];
    case 'relonly':
      return [...relative, s.alone_ms, s.flops_per_byte, d.runq_wait_fraction ?? -1, d.cpu_util_cores, d.membw_probe_gbps, d.cpu_pressure ?? -1, d.cpu_self];
    case 'devsel':
      return [s.alone_ms, s.gflops, s.flops_per_byte, s.activation_mb, s.batch_size, d.self_compute_ratio, d.runq_wait_fraction ?? -1, d.cpu_util_cores, d.membw_probe_gbps, d.cpu_pressure ?? -1, d.cpu_self, d.procs_running_per_core];
    default:
      process.stderr.write(`bench/predictor-variants: unknown variant '${variant}'\n`);
      process.exit(2);
  }
}

const labeled = rows.map((r) => ({ group: r.mix, x: features(r), y: r.slowdown }));
const { train } = groupedSplit(labeled, (r) => r.group, 0.3, 1);
const t0 = performance.now();
const actual: number[] = [];
const predicted: number[] = [];
for (const fold of groupedFolds(train, (r) => r.group, 4, 7)) {
  const sample = shuffled(fold.train, seededRandom(3)).slice(0, Number(o.rows));
  const rf = new RandomForestRegression({
    nEstimators: Number(o.trees),
    maxFeatures: o.ff ? Number(o.ff) : sample[0].x.length,
    replacement: false,
    seed: 5,
    useSampleBagging: true,
    noOOB: true,
    treeOptions: { maxDepth: Number(o.depth), minNumSamples: Number(o.minNode) },
  });
  rf.train(sample.map((r) => r.x), sample.map((r) => (o.log ? Math.log(r.y) : r.y)));
  actual.push(...fold.test.map((r) => r.y));
  predicted.push(...rf.predict(fold.test.map((r) => r.x)).map((v) => (o.log ? Math.exp(v) : v)));
}
const secs = ((performance.now() - t0) / 1000).toFixed(0);
process.stdout.write(`${variant} ${JSON.stringify(o)}: inner 4-fold MAPE ${mape(actual, predicted).toFixed(2)}% R² ${r2(actual, predicted).toFixed(3)} (${secs} s)\n`);
