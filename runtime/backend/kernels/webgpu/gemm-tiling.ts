/**
 * How a GEMM C[z, m, n] = sum over k of A[z](m, k) B[z](k, n) is cut into workgroups: the output
 * tile each workgroup computes, the part of it each invocation holds in registers, and how many
 * slices the reduction over k is split into (split-K). Pure arithmetic: no device, no tfjs.
 *
 * Invariants of every tiling returned:
 *  - tileM = threadM * (invocations along m), tileN = threadN * (invocations along n);
 *    threadM and threadN are multiples of 4 (each invocation holds whole vec4 rows of C);
 *  - a tile of A (tileK x tileM) or B (tileK x tileN) is loaded in a whole number of rounds of
 *    the workgroup, for vec4 and for scalar loads;
 *  - kPerSplit is a multiple of tileK, splits * kPerSplit >= k > (splits - 1) * kPerSplit: every
 *    split but the last covers kPerSplit values of k and the last is not empty.
 */

export interface GemmShape {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  /** Independent products (BatchMatMul's batch); 1 for a convolution. */
  readonly batch: number;
}

export interface TileShape {
  readonly tileM: number;
  readonly tileN: number;
  readonly tileK: number;
  /** Rows of C per invocation. */
  readonly threadM: number;
  /** Columns of C per invocation. */
  readonly threadN: number;
  /**
   * Multiply-adds per second of one workgroup relative to the 128x128 tile, a guess from each
   * shape's ratio of arithmetic to shared-memory and global loads (bench/webgpu-kernels.ts
   * --sweep measures the real ratio on a GPU).
   */
  readonly relativeSpeed: number;
}

export interface GemmTiling extends TileShape {
  /** Slices of the k range, each summed by its own workgroups into a partial C. */
  readonly splits: number;
  /** Values of k per slice (the last slice may have fewer). */
  readonly kPerSplit: number;
}

export interface TilingOptions {
  /**
   * Workgroups wanted in flight; below it, the k range is split. About twice the streaming
   * multiprocessors of a large GPU (an H100 has 132).
   */
  readonly targetWorkgroups: number;
  /** Fewest values of k a split may get. */
  readonly minKPerSplit: number;
  /** Smallest fraction of a launched tile's outputs that must be inside C for a tile to be considered. */
  readonly minTileUse: number;
}

export const DEFAULT_TILING_OPTIONS: TilingOptions = { targetWorkgroups: 264, minKPerSplit: 32, minTileUse: 0.75 };

/** Tile shapes we generate, largest first. The last one is the fallback for tiny products. */
export const TILE_SHAPES: readonly TileShape[] = [
  { tileM: 128, tileN: 128, tileK: 16, threadM: 8, threadN: 8, relativeSpeed: 1 },
  { tileM: 128, tileN: 64, tileK: 16, threadM: 8, threadN: 4, relativeSpeed: 0.8 },
  { tileM: 64, tileN: 128, tileK: 16, threadM: 4, threadN: 8, relativeSpeed: 0.8 },
  { tileM: 64, tileN: 64, tileK: 16, threadM: 8, threadN: 4, relativeSpeed: 0.7 },
  { tileM: 32, tileN: 32, tileK: 16, threadM: 4, threadN: 4, relativeSpeed: 0.35 },
];

export function workgroupSize(t: TileShape): [number, number, number] {
  return [t.tileN / t.threadN, t.tileM / t.threadM, 1];
}

export function invocations(t: TileShape): number {
  return (t.tileN / t.threadN) * (t.tileM / t.threadM);
}

export function tileCount(shape: GemmShape, t: TileShape): number {
  return Math.ceil(shape.m / t.tileM) * Math.ceil(shape.n / t.tileN) * shape.batch;
}

/** Fraction of the outputs of the launched tiles that lie inside C. */
export function tileUse(shape: GemmShape, t: TileShape): number {
  return (shape.m * shape.n * shape.batch) / (tileCount(shape, t) * t.tileM * t.tileN);
}

function roundUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}

/** The k range split into `wanted` slices or fewer, each a multiple of tileK and at least minKPerSplit long. */
export function splitK(k: number, tileK: number, wanted: number, minKPerSplit: number): { splits: number; kPerSplit: number } {
  const most = Math.max(1, Math.floor(k / Math.max(minKPerSplit, tileK)));
  const target = Math.min(Math.max(1, wanted), most);
  const kPerSplit = roundUp(Math.ceil(k / target), tileK);
  return { splits: Math.ceil(k / kPerSplit), kPerSplit };
}

/**
 * Estimated time of `tiling` in arbitrary units: the work of one workgroup (its tile times its k
 * slice, over its shape's relative speed) times the waves of workgroups, where a wave is
 * `targetWorkgroups` workgroups and never less than one.
 */
export function tilingCost(shape: GemmShape, tiling: GemmTiling, options: TilingOptions): number {
  const waves = Math.max(1, (tileCount(shape, tiling) * tiling.splits) / options.targetWorkgroups);
  return (waves * tiling.tileM * tiling.tileN * tiling.kPerSplit) / tiling.relativeSpeed;
}

/**
 * Of the tile shapes that waste at most 1 - minTileUse of their launched outputs (the smallest
 * shape if none does), each with the k range split to make up for too few tiles, the one of
 * least estimated cost (`tilingCost`); ties go to the larger tile.
 */
export function chooseTiling(shape: GemmShape, options: TilingOptions = DEFAULT_TILING_OPTIONS, shapes: readonly TileShape[] = TILE_SHAPES): GemmTiling {
  if (![shape.m, shape.n, shape.k, shape.batch].every((d) => Number.isInteger(d) && d >= 1)) {
    throw new Error(`GEMM dimensions must be positive integers, got m=${shape.m} n=${shape.n} k=${shape.k} batch=${shape.batch}`);
  }
  const usable = shapes.filter((t) => tileUse(shape, t) >= options.minTileUse);
  const candidates = (usable.length > 0 ? usable : [shapes[shapes.length - 1]]).map((t): GemmTiling => {
    const wanted = Math.ceil(options.targetWorkgroups / tileCount(shape, t));
    return { ...t, ...splitK(shape.k, t.tileK, wanted, options.minKPerSplit) };
  });
  let best = candidates[0];
  for (const c of candidates.slice(1)) if (tilingCost(shape, c, options) < tilingCost(shape, best, options)) best = c;
  return best;
}
