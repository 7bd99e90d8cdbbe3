/** Seeded randomness for splits, mixes and jitter: runtime/models/prng.ts's stream, and a shuffle over it. */

export { seededRandom } from '../runtime/models/prng.js';

/** Fisher-Yates shuffle of a copy of `items` driven by `random`. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
