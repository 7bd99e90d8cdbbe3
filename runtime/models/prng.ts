/**
 * A small counter-seeded PRNG for parameter initialisation. Values are produced in JavaScript, so
 * they are bit-identical on every tfjs backend and every machine: a rank rebuilds any block's
 * parameters from (seed, blockIndex, paramIndex) alone.
 *
 * The stream is mulberry32 (32-bit state), seeded by mixing the three coordinates with the
 * splitmix32 finaliser so neighbouring blocks and parameters get unrelated streams.
 */

/** splitmix32-style finaliser: a bijection on uint32 that spreads every input bit. */
function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Derives a stream seed from integer coordinates (each taken modulo 2^32). */
export function streamSeed(...coords: number[]): number {
  let h = 0x9e3779b9;
  for (const c of coords) h = mix32((h + Math.imul(c >>> 0, 0x27d4eb2f) + 0x165667b1) >>> 0);
  return h;
}

export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Next uint32 (mulberry32). */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in (0, 1): never exactly 0, so it is safe under log. */
  nextUnit(): number {
    return (this.nextUint32() + 0.5) / 4294967296;
  }

  /** Standard normal by Box–Muller (uses one fresh pair of uniforms per value: simple, not fast). */
  nextNormal(): number {
    const u = this.nextUnit();
    const v = this.nextUnit();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/**
 * The same mulberry32 stream as a plain function yielding uniforms in [0, 1), fully determined by
 * the 32-bit `seed`: what splits, mixes, jitter and test data draw from so they replay exactly.
 */
export function seededRandom(seed: number): () => number {
  const prng = new Prng(seed);
  return () => prng.nextUint32() / 4294967296;
}
