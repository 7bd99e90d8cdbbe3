/**
 * The slowdown predictor: a seeded random-forest regression (ml-random-forest) over the feature
 * vector of `features.ts`, predicting the device slowdown factor (>= 1 means slower than alone).
 *
 * Invariants:
 *  - training is deterministic given rows, targets and `options.seed`;
 *  - `fromJSON(toJSON(f))` predicts exactly as `f` does (the file holds every tree);
 *  - a file whose feature list differs from `FEATURE_NAMES` is refused: its columns would mean
 *    something else.
 */
import { RandomForestRegression } from 'ml-random-forest';
import { z } from 'zod';
import { DynpipeError, oneLine } from '../runtime/errors.js';
import { seededRandom, shuffled } from './random.js';
import { FEATURE_NAMES, toVector, type DeviceFeatures, type StaticFeatures } from './features.js';

export interface ForestOptions {
  /** Trees in the forest. */
  trees: number;
  /** Depth limit of each tree. */
  maxDepth: number;
  /** A node with at most this many samples becomes a leaf. */
  minNodeSamples: number;
  /** Share of the features each tree may split on, in (0, 1]. */
  featureFraction: number;
  /** Rows each tree draws from (without replacement) before bootstrapping; bounds training time. */
  maxRowsPerTree: number;
  /**
   * Fit ln(slowdown) and predict exp(mean of the trees): squared error on the log scale weighs a
   * 1.2x-vs-1.5x miss like a 12x-vs-15x one, matching the relative error (MAPE) we are judged by,
   * instead of letting the few huge slowdowns decide every split.
   */
  logTarget: boolean;
  /** 32-bit seed for row subsets, bagging and feature choice. */
  seed: number;
}

export const DEFAULT_FOREST_OPTIONS: ForestOptions = { trees: 40, maxDepth: 10, minNodeSamples: 3, featureFraction: 1, maxRowsPerTree: 400, logTarget: true, seed: 1 };

const FORMAT = 'dynpipe-slowdown-forest';

type TreeNodeJson = { distribution: number } | { splitColumn: number; splitValue: number; left: TreeNodeJson; right: TreeNodeJson };

const TreeNodeSchema: z.ZodType<TreeNodeJson> = z.lazy(() =>
  z.union([
    z.looseObject({ distribution: z.number() }),
    z.looseObject({ splitColumn: z.number().int().min(0), splitValue: z.number(), left: TreeNodeSchema, right: TreeNodeSchema }),
  ]),
);

const OptionsSchema = z.object({
  trees: z.number().int().positive(),
  maxDepth: z.number().int().positive(),
  minNodeSamples: z.number().int().positive(),
  featureFraction: z.number().gt(0).max(1),
  maxRowsPerTree: z.number().int().min(2),
  logTarget: z.boolean(),
  seed: z.number().int(),
});

const FileSchema = z.object({
  format: z.literal(FORMAT),
  version: z.literal(1),
  features: z.array(z.string()),
  options: OptionsSchema,
  trained_rows: z.number().int().positive(),
  forest: z.looseObject({
    name: z.literal('RFRegression'),
    selectionMethod: z.enum(['mean', 'median']),
    baseModel: z.looseObject({
      indexes: z.array(z.array(z.number().int().min(0))),
      estimators: z.array(z.looseObject({ name: z.literal('DTRegression'), root: TreeNodeSchema })),
    }),
  }),
});

export type ForestFile = z.infer<typeof FileSchema>;
type LoadArg = Parameters<typeof RandomForestRegression.load>[0];

export class SlowdownForest {
  private constructor(
    private readonly rf: RandomForestRegression,
    readonly options: ForestOptions,
    readonly trainedRows: number,
  ) {}

  /**
   * Fits a forest on feature vectors `x` (each of `FEATURE_NAMES.length` values) and slowdowns `y`.
   * Each tree fits a bootstrap of its own random subset of at most `maxRowsPerTree` rows (like
   * scikit-learn's max_samples): ml-cart's split search is quadratic in the rows of a node, so this
   * bounds training time on large datasets. The trees are grown one at a time and joined into one
   * ml-random-forest model, exactly the structure the library's own `toJSON` produces.
   */
  static train(
    x: readonly (readonly number[])[],
    y: readonly number[],
    options: Partial<ForestOptions> = {},
    /** Called after each tree is grown (for a progress bar). */
    onTree?: (grown: number, total: number) => void,
  ): SlowdownForest {
    const o: ForestOptions = { ...DEFAULT_FOREST_OPTIONS, ...options };
    parseOrThrow(OptionsSchema, o, 'forest options');
    checkMatrix(x, y);
    const random = seededRandom(o.seed);
    const all = x.map((_, i) => i);
    let baseModel: Record<string, unknown> = {};
    const indexes: unknown[] = [];
    const estimators: unknown[] = [];
    for (let t = 0; t < o.trees; t++) {
      const rows = x.length > o.maxRowsPerTree ? shuffled(all, random).slice(0, o.maxRowsPerTree) : all;
      const one = new RandomForestRegression({
        nEstimators: 1,
        // ml-random-forest reads an integer as a column count and a float in (0, 1) as a share.
        maxFeatures: o.featureFraction === 1 ? FEATURE_NAMES.length : o.featureFraction,
        replacement: false,
        seed: Math.floor(random() * 2 ** 31),
        useSampleBagging: true,
        noOOB: true,
        treeOptions: { maxDepth: o.maxDepth, minNumSamples: o.minNodeSamples },
      });
      one.train(rows.map((i) => [...x[i]]), rows.map((i) => (o.logTarget ? Math.log(y[i]) : y[i])));
      // The library's toJSON holds class instances; one JSON pass leaves plain data.
      baseModel = (JSON.parse(JSON.stringify(one.toJSON())) as { baseModel: Record<string, unknown> }).baseModel;
      indexes.push((baseModel.indexes as unknown[])[0]);
      estimators.push((baseModel.estimators as unknown[])[0]);
      onTree?.(t + 1, o.trees);
    }
    const joined = { name: 'RFRegression', selectionMethod: 'mean', baseModel: { ...baseModel, seed: o.seed, nEstimators: o.trees, indexes, estimators } };
    return new SlowdownForest(RandomForestRegression.load(joined as unknown as LoadArg), o, x.length);
  }

  /** Slowdown for each feature vector. */
  predict(x: readonly (readonly number[])[]): number[] {
    for (const r of x) checkWidth(r);
    if (x.length === 0) return [];
    const p = this.rf.predict(x.map((r) => [...r]));
    return this.options.logTarget ? p.map(Math.exp) : p;
  }

  /** Slowdown of block range `target` on a device in state `device`. */
  predictOne(target: StaticFeatures, device: DeviceFeatures): number {
    return this.predict([toVector(target, device)])[0];
  }

  toJSON(): ForestFile {
    return {
      format: FORMAT,
      version: 1,
      features: [...FEATURE_NAMES],
      options: { ...this.options },
      trained_rows: this.trainedRows,
      forest: JSON.parse(JSON.stringify(this.rf.toJSON())) as ForestFile['forest'],
    };
  }

  /** Rebuilds a forest from `toJSON` output; anything else fails with E_PREDICTOR naming `where` and the field. */
  static fromJSON(value: unknown, where = 'forest'): SlowdownForest {
    checkTreeDepths(value, where);
    const file = parseOrThrow(FileSchema, value, where);
    if (file.features.join(',') !== FEATURE_NAMES.join(',')) {
      throw new DynpipeError('E_PREDICTOR', `${where}: features: trained on [${oneLine(file.features.join(', '), 400)}], this build uses [${FEATURE_NAMES.join(', ')}]`);
    }
    const { indexes, estimators } = file.forest.baseModel;
    if (indexes.length !== estimators.length || estimators.length !== file.options.trees) {
      throw new DynpipeError('E_PREDICTOR', `${where}: forest: ${estimators.length} trees and ${indexes.length} column lists, options say ${file.options.trees}`);
    }
    indexes.forEach((cols, t) => {
      const bad = cols.find((c) => c >= FEATURE_NAMES.length);
      if (bad !== undefined) throw new DynpipeError('E_PREDICTOR', `${where}: forest.baseModel.indexes.${t}: column ${bad} >= ${FEATURE_NAMES.length}`);
      checkSplitColumns(estimators[t].root, cols.length, `${where}: forest.baseModel.estimators.${t}`);
    });
    let rf: RandomForestRegression;
    try {
      rf = RandomForestRegression.load(file.forest as unknown as LoadArg);
    } catch (e) {
      throw new DynpipeError('E_PREDICTOR', `${where}: forest: ${(e as Error).message}`, { cause: e });
    }
    return new SlowdownForest(rf, file.options, file.trained_rows);
  }
}

/** Validates `value` against `schema`; the first issue becomes an E_PREDICTOR error naming `where` and the field. */
function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new DynpipeError('E_PREDICTOR', `${where}: ${oneLine(`${issue.path.join('.') || '(root)'}: ${issue.message}`, 500)}`);
}

/**
 * Deepest tree a forest file may hold: far beyond any depth training allows (--max-depth <= 64),
 * far below what the recursive schema check and tree walks can take before the stack overflows.
 */
const MAX_TREE_DEPTH = 500;

/** Refuses a tree nested deeper than MAX_TREE_DEPTH (iteratively: a hostile file must not overflow the stack here). */
function checkTreeDepths(value: unknown, where: string): void {
  const estimators = (value as { forest?: { baseModel?: { estimators?: unknown } } } | null)?.forest?.baseModel?.estimators;
  if (!Array.isArray(estimators)) return; // the schema names what is missing
  estimators.forEach((estimator: unknown, t) => {
    const stack: Array<[unknown, number]> = [[(estimator as { root?: unknown } | null)?.root, 1]];
    while (stack.length > 0) {
      const [node, depth] = stack.pop()!;
      if (typeof node !== 'object' || node === null) continue;
      if (depth > MAX_TREE_DEPTH) throw new DynpipeError('E_PREDICTOR', `${where}: forest.baseModel.estimators.${t}.root: tree deeper than ${MAX_TREE_DEPTH} levels`);
      const { left, right } = node as { left?: unknown; right?: unknown };
      stack.push([left, depth + 1], [right, depth + 1]);
    }
  });
}

function checkSplitColumns(node: TreeNodeJson, columns: number, where: string): void {
  if ('distribution' in node) return;
  if (node.splitColumn >= columns) throw new DynpipeError('E_PREDICTOR', `${where}: splitColumn ${node.splitColumn} >= ${columns} columns of the tree`);
  checkSplitColumns(node.left, columns, where);
  checkSplitColumns(node.right, columns, where);
}

function checkWidth(r: readonly number[]): void {
  if (r.length !== FEATURE_NAMES.length) {
    throw new DynpipeError('E_PREDICTOR', `feature vector has ${r.length} values, expected ${FEATURE_NAMES.length}`);
  }
}

function checkMatrix(x: readonly (readonly number[])[], y: readonly number[]): void {
  if (x.length !== y.length) throw new DynpipeError('E_PREDICTOR', `${x.length} feature rows but ${y.length} targets`);
  if (x.length < 2) throw new DynpipeError('E_PREDICTOR', `need at least 2 training rows, got ${x.length}`);
  x.forEach((r, i) => {
    checkWidth(r);
    if (!r.every(Number.isFinite)) throw new DynpipeError('E_PREDICTOR', `training row ${i} has a non-finite feature`);
    if (!(Number.isFinite(y[i]) && y[i] > 0)) throw new DynpipeError('E_PREDICTOR', `training row ${i} has slowdown ${y[i]}, expected a finite number > 0`);
  });
}
