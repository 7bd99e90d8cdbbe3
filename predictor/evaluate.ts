/**
 * Held-out evaluation of slowdown models: a split grouped by interference mix (a mix never lands on
 * both sides, so the test asks "how well do we predict a mix we never saw?"), MAPE and R², and
 * permutation feature importance (how much test MAPE rises when one feature column is shuffled).
 */
import { DynpipeError } from '../runtime/errors.js';
import { FEATURE_NAMES } from './features.js';
import { SlowdownForest, type ForestOptions } from './forest.js';
import { LinearBaseline } from './linear.js';
import { seededRandom, shuffled } from './random.js';

const SELF_RATIO = FEATURE_NAMES.indexOf('self_compute_ratio');

/** One training example: its group (the canonical mix), feature vector and measured slowdown. */
export interface LabeledRow {
  group: string;
  x: readonly number[];
  y: number;
  /** Optional subset label (e.g. whether observer and target are the same range); scored separately. */
  tag?: string;
}

/** Mean absolute percentage error, in percent. Every actual value must be non-zero. */
export function mape(actual: readonly number[], predicted: readonly number[]): number {
  sameLength(actual, predicted);
  let s = 0;
  actual.forEach((a, i) => {
    if (a === 0) throw new DynpipeError('E_PREDICTOR', `MAPE is undefined: actual value ${i} is 0`);
    s += Math.abs((predicted[i] - a) / a);
  });
  return (100 * s) / actual.length;
}

/** Coefficient of determination: 1 - SS_res / SS_tot (1 is perfect, 0 is the mean's score; NaN when actual is constant). */
export function r2(actual: readonly number[], predicted: readonly number[]): number {
  sameLength(actual, predicted);
  const mean = actual.reduce((a, b) => a + b, 0) / actual.length;
  let res = 0;
  let tot = 0;
  actual.forEach((a, i) => {
    res += (a - predicted[i]) ** 2;
    tot += (a - mean) ** 2;
  });
  return tot === 0 ? NaN : 1 - res / tot;
}

export interface GroupedSplit<T> {
  train: T[];
  test: T[];
  trainGroups: string[];
  testGroups: string[];
}

/**
 * Splits `items` so that every group lies wholly in train or in test. About `testFraction` of the
 * groups (at least one, and at least one left for training) go to test, chosen by `seed`.
 */
export function groupedSplit<T>(items: readonly T[], groupOf: (t: T) => string, testFraction: number, seed: number): GroupedSplit<T> {
  if (!(testFraction > 0 && testFraction < 1)) throw new DynpipeError('E_PREDICTOR', `test fraction must be in (0, 1), got ${testFraction}`);
  const groups = [...new Set(items.map(groupOf))].sort();
  if (groups.length < 2) throw new DynpipeError('E_PREDICTOR', `a grouped split needs at least 2 mixes, the data has ${groups.length}`);
  const nTest = Math.min(groups.length - 1, Math.max(1, Math.round(groups.length * testFraction)));
  const order = shuffled(groups, seededRandom(seed));
  const testGroups = new Set(order.slice(0, nTest));
  return {
    train: items.filter((t) => !testGroups.has(groupOf(t))),
    test: items.filter((t) => testGroups.has(groupOf(t))),
    trainGroups: order.slice(nTest).sort(),
    testGroups: [...testGroups].sort(),
  };
}

/**
 * For each column j: mean over `repeats` shuffles of (MAPE with column j permuted - MAPE as is),
 * in percentage points. Near 0 means the model does not use the column on this data.
 */
export function permutationImportance(
  predict: (x: readonly (readonly number[])[]) => number[],
  x: readonly (readonly number[])[],
  y: readonly number[],
  seed: number,
  repeats = 3,
): number[] {
  const base = mape(y, predict(x));
  const random = seededRandom(seed);
  const width = x.length > 0 ? x[0].length : 0;
  const out: number[] = [];
  for (let j = 0; j < width; j++) {
    let rise = 0;
    for (let r = 0; r < repeats; r++) {
      const column = shuffled(x.map((row) => row[j]), random);
      const permuted = x.map((row, i) => row.map((v, c) => (c === j ? column[i] : v)));
      rise += mape(y, predict(permuted)) - base;
    }
    out.push(rise / repeats);
  }
  return out;
}

export interface Scores {
  mapePercent: number;
  r2: number;
}

export interface EvalReport {
  trainRows: number;
  testRows: number;
  trainGroups: string[];
  testGroups: string[];
  forest: Scores;
  /** Gpu-let-style least squares on utilisation terms. */
  linear: Scores;
  /** Predicting the training mean for everything: the floor any model must beat. */
  mean: Scores;
  /** Predicting the observer's own compute ratio (`self_compute_ratio`): "the target slows as the observer did". */
  observerRatio: Scores;
  /** The forest's scores on each tagged subset of the test rows (rows without a tag are left out). */
  forestByTag: Record<string, Scores & { rows: number }>;
  /** Permutation importance of each feature for the forest, largest first. */
  importance: Array<{ feature: string; mapeRisePoints: number }>;
}

export interface EvalOptions {
  testFraction: number;
  seed: number;
  forest?: Partial<ForestOptions>;
  importanceRepeats?: number;
  /** Called after each forest tree is grown (for a progress bar). */
  onTree?: (grown: number, total: number) => void;
}

/** Trains the forest and the baselines on the train groups and scores them on the test groups. */
export function evaluateModels(rows: readonly LabeledRow[], options: EvalOptions): EvalReport {
  const split = groupedSplit(rows, (r) => r.group, options.testFraction, options.seed);
  const xTrain = split.train.map((r) => r.x);
  const yTrain = split.train.map((r) => r.y);
  const xTest = split.test.map((r) => r.x);
  const yTest = split.test.map((r) => r.y);
  const forest = SlowdownForest.train(xTrain, yTrain, { seed: options.seed, ...options.forest }, options.onTree);
  const linear = LinearBaseline.train(xTrain, yTrain);
  const trainMean = yTrain.reduce((a, b) => a + b, 0) / yTrain.length;
  const score = (p: number[]): Scores => ({ mapePercent: mape(yTest, p), r2: r2(yTest, p) });
  const forestTest = forest.predict(xTest);
  const forestByTag: EvalReport['forestByTag'] = {};
  for (const tag of [...new Set(split.test.flatMap((r) => (r.tag === undefined ? [] : [r.tag])))].sort()) {
    const idx = split.test.flatMap((r, i) => (r.tag === tag ? [i] : []));
    const y = idx.map((i) => yTest[i]);
    const p = idx.map((i) => forestTest[i]);
    forestByTag[tag] = { mapePercent: mape(y, p), r2: r2(y, p), rows: idx.length };
  }
  const rises = permutationImportance((x) => forest.predict(x), xTest, yTest, options.seed, options.importanceRepeats ?? 3);
  return {
    trainRows: split.train.length,
    testRows: split.test.length,
    trainGroups: split.trainGroups,
    testGroups: split.testGroups,
    forest: score(forestTest),
    linear: score(linear.predict(xTest)),
    mean: score(yTest.map(() => trainMean)),
    observerRatio: score(xTest.map((x) => x[SELF_RATIO])),
    forestByTag,
    importance: FEATURE_NAMES.map((feature, j) => ({ feature, mapeRisePoints: rises[j] })).sort((a, b) => b.mapeRisePoints - a.mapeRisePoints),
  };
}

function sameLength(a: readonly number[], b: readonly number[]): void {
  if (a.length !== b.length || a.length === 0) throw new DynpipeError('E_PREDICTOR', `need equal non-empty value lists, got ${a.length} and ${b.length}`);
}
