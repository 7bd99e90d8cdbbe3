/**
 * Seeded randomness for data order and synthetic data: a splitmix32 generator, a seed mixer, and
 * the per-epoch permutation. Everything here is a pure function of its integer arguments, so every
 * rank computes the same numbers without talking to the others.
 */
import { check } from '../errors.js';

const GOLDEN = 0x9e3779b9;
const TWO_POW_32 = 4294967296;

/** MurmurHash3's 32-bit finaliser: a bijection on uint32 that spreads every input bit. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Folds non-negative safe integers (seed, epoch, sample index, a tag...) into one uint32 seed.
 * Order matters: hashSeed(1, 2) != hashSeed(2, 1). Values above 2^32 keep their high bits.
 */
export function hashSeed(...parts: number[]): number {
  let h = 0x2545f491;
  for (const p of parts) {
    check(Number.isSafeInteger(p) && p >= 0, 'E_USAGE', () => `seed parts must be non-negative integers, got ${p}`);
    h = fmix32((h ^ (p >>> 0)) + GOLDEN);
    h = fmix32((h ^ Math.floor(p / TWO_POW_32)) + GOLDEN);
  }
  return h;
}

/**
 * splitmix32: a 32-bit state advanced by the golden-ratio increment, each output a mix of the
 * state. Period 2^32; every seed (any uint32) is a valid, independent-looking stream.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform integer in [0, 2^32). */
  nextUint32(): number {
    this.state = (this.state + GOLDEN) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  }

  /** Uniform in [0, 1), with 32 random bits. */
  nextFloat(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** Uniform integer in [0, n) for 1 <= n <= 2^32 (bias below n / 2^32, negligible for data sizes). */
  nextInt(n: number): number {
    return Math.floor(this.nextFloat() * n);
  }
}

/** Tags keep the streams of different uses apart even when seed and index coincide. */
export const STREAM = { epochOrder: 1, imagePrototype: 2, imageSample: 3, tokenSample: 4 } as const;

/**
 * The sample order of one epoch: a uniformly random permutation of 0..size-1 (Fisher–Yates),
 * determined by (seed, epoch) alone. Different epochs give different orders.
 */
export function epochPermutation(size: number, seed: number, epoch: number): Uint32Array {
  check(Number.isSafeInteger(size) && size >= 0 && size < TWO_POW_32, 'E_USAGE', () => `dataset size must be an integer in [0, 2^32), got ${size}`);
  const order = new Uint32Array(size);
  for (let i = 0; i < size; i++) order[i] = i;
  const rng = new Rng(hashSeed(STREAM.epochOrder, seed, epoch));
  for (let i = size - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}
