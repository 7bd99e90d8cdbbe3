/**
 * Deterministic synthetic datasets, generated on demand from (seed, split, sample index): no
 * files, no memory per sample, and any rank gathers any sample identically. Both carry structure
 * a model can learn, so training on them makes the loss fall.
 *
 * synthetic-image: sample i has a uniform random class k and pixels
 *   x = (1 - noise) * prototype[k] + noise * u,  u ~ U[0, 1) per element,  so x is in [0, 1].
 * prototype[k] is a sinusoidal grating 0.5 + 0.5 sin(2π(fy h/H + fx w/W) + phase[c]); classes
 * get distinct (fy, fx) (assigned by the seed), each channel a random phase. Shape is HWC.
 *
 * synthetic-tokens (masked LM): a sequence counts through the word ids with a fixed stride,
 *   token[t] = FIRST_WORD_TOKEN + (start + t * stride) mod W,  W = vocabSize - FIRST_WORD_TOKEN,
 * start uniform in [0, W), stride uniform in [1, min(4, W - 1)]. Then max(1, round(15% of seqLen))
 * distinct positions are replaced by MASK_TOKEN; labels hold the original word there, -1 elsewhere.
 * Any two adjacent unmasked tokens reveal the stride, so every masked word is predictable.
 */
import { check } from '../errors.js';
import { checkSampleIndex, elementCount, type Batch, type Dataset, type Split } from './dataset.js';
import { hashSeed, Rng, STREAM } from './shuffle.js';

/** Reserved, never emitted (for models that pad). */
export const PAD_TOKEN = 0;
export const MASK_TOKEN = 1;
export const FIRST_WORD_TOKEN = 2;
export const MASK_FRACTION = 0.15;

const SPLIT_ID: Record<Split, number> = { train: 0, test: 1 };
const DEFAULT_SIZE: Record<Split, number> = { train: 4096, test: 1024 };
const MAX_STRIDE = 4;

export interface SyntheticOptions {
  split: Split;
  seed?: number;
  /** Samples in the split; default 4096 (train) or 1024 (test). */
  size?: number;
}

export interface SyntheticImageOptions extends SyntheticOptions {
  /** [height, width, channels]; default [28, 28, 1]. */
  shape?: readonly number[];
  /** Default 10. */
  numClasses?: number;
  /** Weight of the uniform noise in [0, 1]; default 0.5. */
  noise?: number;
}

export interface SyntheticTokenOptions extends SyntheticOptions {
  /** Default 32; at least 4. */
  seqLen?: number;
  /** Including PAD and MASK; default 64; at least 4. */
  vocabSize?: number;
}

export interface TokenDataset extends Dataset {
  readonly vocabSize: number;
  readonly maskToken: number;
}

function positiveInt(value: number, what: string, min = 1): number {
  check(Number.isSafeInteger(value) && value >= min, 'E_USAGE', () => `${what} must be an integer >= ${min}, got ${value}`);
  return value;
}

function common(o: SyntheticOptions): { seed: number; size: number; split: number } {
  return { seed: positiveInt(o.seed ?? 0, 'seed', 0), size: positiveInt(o.size ?? DEFAULT_SIZE[o.split], 'size'), split: SPLIT_ID[o.split] };
}

/** The k-th (fy, fx) != (0, 0) in order of max(fy, fx): (0,1) (1,1) (1,0) (0,2) (1,2) (2,2) ... */
function gratingFrequency(k: number): [number, number] {
  for (let m = 1; ; m++) {
    if (k < m + 1) return [k, m];
    k -= m + 1;
    if (k < m) return [m, k];
    k -= m;
  }
}

function imagePrototypes(seed: number, numClasses: number, [h, w, c]: readonly number[]): Float32Array[] {
  const rng = new Rng(hashSeed(STREAM.imagePrototype, seed));
  const slots = Array.from({ length: numClasses }, (_, k) => k);
  for (let i = numClasses - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [slots[i], slots[j]] = [slots[j], slots[i]];
  }
  return slots.map((slot) => {
    const [fy, fx] = gratingFrequency(slot);
    const phases = Array.from({ length: c }, () => rng.nextFloat() * 2 * Math.PI);
    const proto = new Float32Array(h * w * c);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let ch = 0; ch < c; ch++) proto[(y * w + x) * c + ch] = 0.5 + 0.5 * Math.sin(2 * Math.PI * ((fy * y) / h + (fx * x) / w) + phases[ch]);
      }
    }
    return proto;
  });
}

export function openSyntheticImage(o: SyntheticImageOptions): Dataset {
  const { seed, size, split } = common(o);
  const shape = [...(o.shape ?? [28, 28, 1])];
  check(shape.length === 3 && shape.every((d) => Number.isSafeInteger(d) && d > 0), 'E_USAGE', () => `synthetic-image shape must be 3 positive integers HxWxC, got ${shape.join('x')}`);
  const numClasses = positiveInt(o.numClasses ?? 10, 'numClasses', 2);
  const noise = o.noise ?? 0.5;
  check(noise >= 0 && noise <= 1, 'E_USAGE', () => `noise must be in [0, 1], got ${noise}`);
  const prototypes = imagePrototypes(seed, numClasses, shape);
  const len = elementCount(shape);
  const ds: Dataset = {
    name: 'synthetic-image',
    split: o.split,
    size,
    inputShape: shape,
    inputDtype: 'float32',
    labelShape: [],
    numClasses,
    gather(indices): Batch {
      const x = new Float32Array(indices.length * len);
      const y = new Int32Array(indices.length);
      for (let n = 0; n < indices.length; n++) {
        checkSampleIndex(ds, indices[n]);
        const rng = new Rng(hashSeed(STREAM.imageSample, seed, split, indices[n]));
        const label = rng.nextInt(numClasses);
        const proto = prototypes[label];
        for (let j = 0; j < len; j++) x[n * len + j] = (1 - noise) * proto[j] + noise * rng.nextFloat();
        y[n] = label;
      }
      return { x, y };
    },
  };
  return ds;
}

export function openSyntheticTokens(o: SyntheticTokenOptions): TokenDataset {
  const { seed, size, split } = common(o);
  const seqLen = positiveInt(o.seqLen ?? 32, 'seqLen', 4);
  const vocabSize = positiveInt(o.vocabSize ?? 64, 'vocabSize', FIRST_WORD_TOKEN + 2);
  const words = vocabSize - FIRST_WORD_TOKEN;
  const maxStride = Math.min(MAX_STRIDE, words - 1);
  const masked = Math.max(1, Math.round(MASK_FRACTION * seqLen));
  const ds: TokenDataset = {
    name: 'synthetic-tokens',
    split: o.split,
    size,
    inputShape: [seqLen],
    inputDtype: 'int32',
    labelShape: [seqLen],
    numClasses: vocabSize,
    vocabSize,
    maskToken: MASK_TOKEN,
    gather(indices): Batch {
      const x = new Int32Array(indices.length * seqLen);
      const y = new Int32Array(indices.length * seqLen).fill(-1);
      const positions = new Int32Array(seqLen);
      for (let n = 0; n < indices.length; n++) {
        checkSampleIndex(ds, indices[n]);
        const rng = new Rng(hashSeed(STREAM.tokenSample, seed, split, indices[n]));
        const start = rng.nextInt(words);
        const stride = 1 + rng.nextInt(maxStride);
        const row = n * seqLen;
        for (let t = 0; t < seqLen; t++) x[row + t] = FIRST_WORD_TOKEN + ((start + t * stride) % words);
        for (let t = 0; t < seqLen; t++) positions[t] = t;
        for (let m = 0; m < masked; m++) {
          const j = m + rng.nextInt(seqLen - m);
          const p = positions[j];
          positions[j] = positions[m];
          positions[m] = p;
          y[row + p] = x[row + p];
          x[row + p] = MASK_TOKEN;
        }
      }
      return { x, y };
    },
  };
  return ds;
}
