/**
 * Held-out evaluation of slowdown models: a split, or k folds, grouped by interference mix (a mix
 * never lands on both sides, so the test asks "how well do we predict a mix we never saw?"), MAPE
 * and R², and permutation feature importance (how much test MAPE rises when one feature column is
 * shuffled).
 */
import { DynpipeError } from '../runtime/errors.js';
import { FEATURE_NAMES } from './features.js';
import { DEFAULT_FOREST_OPTIONS, SlowdownForest, type ForestOptions } from './forest.js';
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

/**
 * Splits `items` into `k` folds by group: the groups, shuffled by `seed`, are dealt round-robin
 * into k test sets, so every group is held out exactly once and fold sizes differ by at most one
 * group. Each fold trains on every other group.
 */
export function groupedFolds<T>(items: readonly T[], groupOf: (t: T) => string, k: number, seed: number): GroupedSplit<T>[] {
  const groups = [...new Set(items.map(groupOf))].sort();
  if (!(Number.isInteger(k) && k >= 2 && k <= groups.length)) {
    throw new DynpipeError('E_PREDICTOR', `grouped ${k}-fold cross-validation needs an integer k in [2, ${groups.length}] (the data has ${groups.length} mixes)`);
  }
  const order = shuffled(groups, seededRandom(seed));
  return Array.from({ length: k }, (_, fold) => {
    const testGroups = new Set(order.filter((_, i) => i % k === fold));
    return {
      train: items.filter((t) => !testGroups.has(groupOf(t))),
      test: items.filter((t) => testGroups.has(groupOf(t))),
      trainGroups: groups.filter((g) => !testGroups.has(g)),
      testGroups: [...testGroups].sort(),
    };
  });
}

export interface Scores {
  mapePercent: number;
  r2: number;
}

export interface EvalReport {
  /** Train/test splits the scores pool over: 1 for a single held-out split, k for k-fold cross-validation. */
  folds: number;
  /** Training rows, summed over folds. */
  trainRows: number;
  /** Held-out rows, summed over folds (every row once under cross-validation). */
  testRows: number;
  /** Mixes trained on in some fold, and mixes held out in some fold. */
  trainGroups: string[];
  testGroups: string[];
  /** Scores over the pooled held-out predictions of every fold. */
  forest: Scores;
  /** Gpu-let-style least squares on utilisation terms. */
  linear: Scores;
  /** Predicting the training mean for everything: the floor any model must beat. */
  mean: Scores;
  /** Predicting the observer's own compute ratio (`self_compute_ratio`): "the target slows as the observer did". */
  observerRatio: Scores;
  /** The forest's scores on each tagged subset of the test rows (rows without a tag are left out). */
  forestByTag: Record<string, Scores & { rows: number }>;
  /** Permutation importance of each feature for the forest (test-row-weighted mean over folds), largest first. */
  importance: Array<{ feature: string; mapeRisePoints: number }>;
  /**
   * Label noise: the MAPE of predicting 1 for every row of the quiet group (`quietGroup`), whose true
   * slowdown is 1 by definition; no model can be expected to score far below it. Null without such rows.
   */
  quietNoise: (Scores & { rows: number }) | null;
}

export interface EvalOptions {
  /** Share of the mixes held out in a single split; ignored when `folds` is given. */
  testFraction: number;
  /** Grouped k-fold cross-validation instead of one split. */
  folds?: number;
  seed: number;
  forest?: Partial<ForestOptions>;
  importanceRepeats?: number;
  /** Called after each forest tree is grown, counting over all folds (for a progress bar). */
  onTree?: (grown: number, total: number) => void;
  /** The group of runs without interference (the dataset's 'none' mix), for `quietNoise`. */
  quietGroup?: string;
}

/** Held-out predictions of every model on one fold's test rows. */
interface FoldPredictions {
  test: LabeledRow[];
  forest: number[];
  linear: number[];
  mean: number[];
  importance: number[];
}

function predictFold(split: GroupedSplit<LabeledRow>, options: EvalOptions, onTree?: (grown: number) => void): FoldPredictions {
  const xTrain = split.train.map((r) => r.x);
  const yTrain = split.train.map((r) => r.y);
  const xTest = split.test.map((r) => r.x);
  const yTest = split.test.map((r) => r.y);
  const forest = SlowdownForest.train(xTrain, yTrain, { seed: options.seed, ...options.forest }, onTree);
  const trainMean = yTrain.reduce((a, b) => a + b, 0) / yTrain.length;
  return {
    test: split.test,
    forest: forest.predict(xTest),
    linear: LinearBaseline.train(xTrain, yTrain).predict(xTest),
    mean: yTest.map(() => trainMean),
    importance: permutationImportance((x) => forest.predict(x), xTest, yTest, options.seed, options.importanceRepeats ?? 3),
  };
}

/**
 * Trains the forest and the baselines on the train groups and scores them on the held-out groups:
 * one split (`testFraction`) or grouped k-fold cross-validation (`folds`), pooling the held-out
 * predictions of every fold before scoring.
 */
export function evaluateModels(rows: readonly LabeledRow[], options: EvalOptions): EvalReport {
  const byGroup = (r: LabeledRow): string => r.group;
  const splits = options.folds === undefined ? [groupedSplit(rows, byGroup, options.testFraction, options.seed)] : groupedFolds(rows, byGroup, options.folds, options.seed);
  const trees = { ...DEFAULT_FOREST_OPTIONS, ...options.forest }.trees;
  const folds = splits.map((split, f) => predictFold(split, options, (n) => options.onTree?.(f * trees + n, splits.length * trees)));
  const test = folds.flatMap((f) => f.test);
  const y = test.map((r) => r.y);
  const pooled = (model: 'forest' | 'linear' | 'mean'): number[] => folds.flatMap((f) => f[model]);
  const score = (p: number[]): Scores => scoreOf(y, p);
  const forest = pooled('forest');
  const forestByTag: EvalReport['forestByTag'] = {};
  for (const tag of [...new Set(test.flatMap((r) => (r.tag === undefined ? [] : [r.tag])))].sort()) {
    const idx = test.flatMap((r, i) => (r.tag === tag ? [i] : []));
    const yt = idx.map((i) => y[i]);
    const p = idx.map((i) => forest[i]);
    forestByTag[tag] = { mapePercent: mape(yt, p), r2: r2(yt, p), rows: idx.length };
  }
  const quiet = rows.filter((r) => options.quietGroup !== undefined && r.group === options.quietGroup);
  const quietNoise = quiet.length === 0 ? null : { ...scoreOf(quiet.map((r) => r.y), quiet.map(() => 1)), rows: quiet.length };
  const rise = FEATURE_NAMES.map((_, j) => folds.reduce((s, f) => s + f.importance[j] * f.test.length, 0) / test.length);
  return {
    folds: splits.length,
    trainRows: splits.reduce((s, split) => s + split.train.length, 0),
    testRows: test.length,
    trainGroups: [...new Set(splits.flatMap((split) => split.trainGroups))].sort(),
    testGroups: [...new Set(splits.flatMap((split) => split.testGroups))].sort(),
    forest: score(forest),
    linear: score(pooled('linear')),
    mean: score(pooled('mean')),
    observerRatio: score(test.map((r) => r.x[SELF_RATIO])),
    forestByTag,
    importance: FEATURE_NAMES.map((feature, j) => ({ feature, mapeRisePoints: rise[j] })).sort((a, b) => b.mapeRisePoints - a.mapeRisePoints),
    quietNoise,
  };
}

function scoreOf(actual: readonly number[], predicted: readonly number[]): Scores {
  return { mapePercent: mape(actual, predicted), r2: r2(actual, predicted) };
}

function sameLength(a: readonly number[], b: readonly number[]): void {
  if (a.length !== b.length || a.length === 0) throw new DynpipeError('E_PREDICTOR', `need equal non-empty value lists, got ${a.length} and ${b.length}`);
}
