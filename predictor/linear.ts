/**
 * The baseline beside the forest, in the manner of Gpu-let's interference model: slowdown as a
 * linear function of the device's own ("self") and co-located ("peer") utilisation, fitted by
 * least squares. It sees only utilisation terms — not the observer's compute ratio and not the
 * block range — so it shows how much the forest gains from the richer features.
 *
 *   slowdown ≈ w0 + Σ_k w_k · term_k(static, device)       (terms listed in LINEAR_TERMS)
 */
import { z } from 'zod';
import { DynpipeError, oneLine } from '../runtime/errors.js';
import { fromVector, type DeviceFeatures } from './features.js';

interface Term {
  name: string;
  value(d: DeviceFeatures): number;
}

const orZero = (x: number | null): number => x ?? 0;

export const LINEAR_TERMS: readonly Term[] = [
  { name: 'cpu_self', value: (d) => d.cpu_self },
  { name: 'cpu_peer', value: (d) => d.cpu_peer },
  { name: 'cpu_self*cpu_peer', value: (d) => d.cpu_self * d.cpu_peer },
  { name: 'cpu_util_cores', value: (d) => d.cpu_util_cores },
  { name: 'membw_probe_gbps', value: (d) => d.membw_probe_gbps },
  { name: 'gpu_util', value: (d) => orZero(d.gpu_util) },
  { name: 'gpu_mem_util', value: (d) => orZero(d.gpu_mem_util) },
  { name: 'gpu_procs', value: (d) => orZero(d.gpu_procs) },
];

/** Ridge added to the normal equations' diagonal (standardised units) so constant terms stay solvable. */
const RIDGE = 1e-6;

const FileSchema = z.object({
  format: z.literal('dynpipe-slowdown-linear'),
  version: z.literal(1),
  terms: z.array(z.string()),
  intercept: z.number(),
  weights: z.array(z.number()),
});

export class LinearBaseline {
  private constructor(
    readonly intercept: number,
    /** One weight per entry of LINEAR_TERMS, in raw term units. */
    readonly weights: readonly number[],
  ) {}

  /** Least-squares fit on feature vectors (FEATURES order) and slowdowns. */
  static train(x: readonly (readonly number[])[], y: readonly number[]): LinearBaseline {
    if (x.length !== y.length || x.length === 0) throw new DynpipeError('E_PREDICTOR', `linear fit needs matching non-empty rows and targets, got ${x.length} and ${y.length}`);
    const t = x.map(termsOf);
    const k = LINEAR_TERMS.length;
    // Standardise each term so one ridge value suits all units.
    const mean = new Array<number>(k).fill(0);
    const scale = new Array<number>(k).fill(0);
    for (const r of t) r.forEach((v, j) => (mean[j] += v / t.length));
    for (const r of t) r.forEach((v, j) => (scale[j] += (v - mean[j]) ** 2 / t.length));
    // A (numerically) constant term carries no information: standardise it to all zeros, weight 0.
    for (let j = 0; j < k; j++) scale[j] = Math.sqrt(scale[j]) > 1e-9 * (1 + Math.abs(mean[j])) ? Math.sqrt(scale[j]) : Infinity;
    const yMean = y.reduce((a, b) => a + b, 0) / y.length;
    const a = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    const b = new Array<number>(k).fill(0);
    t.forEach((r, i) => {
      const z = r.map((v, j) => (v - mean[j]) / scale[j]);
      for (let p = 0; p < k; p++) {
        b[p] += z[p] * (y[i] - yMean);
        for (let q = 0; q < k; q++) a[p][q] += z[p] * z[q];
      }
    });
    for (let p = 0; p < k; p++) a[p][p] += RIDGE * t.length;
    const wz = solve(a, b);
    const weights = wz.map((w, j) => w / scale[j]);
    const intercept = yMean - weights.reduce((s, w, j) => s + w * mean[j], 0);
    return new LinearBaseline(intercept, weights);
  }

  predict(x: readonly (readonly number[])[]): number[] {
    return x.map((r) => termsOf(r).reduce((s, v, j) => s + this.weights[j] * v, this.intercept));
  }

  toJSON(): z.infer<typeof FileSchema> {
    return { format: 'dynpipe-slowdown-linear', version: 1, terms: LINEAR_TERMS.map((t) => t.name), intercept: this.intercept, weights: [...this.weights] };
  }

  static fromJSON(value: unknown, where = 'linear'): LinearBaseline {
    const parsed = FileSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new DynpipeError('E_PREDICTOR', `${where}: ${oneLine(`${issue.path.join('.') || '(root)'}: ${issue.message}`, 500)}`);
    }
    const names = LINEAR_TERMS.map((t) => t.name).join(',');
    if (parsed.data.terms.join(',') !== names || parsed.data.weights.length !== LINEAR_TERMS.length) {
      throw new DynpipeError('E_PREDICTOR', `${where}: terms: expected [${names}], got [${oneLine(parsed.data.terms.join(','), 300)}]`);
    }
    return new LinearBaseline(parsed.data.intercept, parsed.data.weights);
  }
}

function termsOf(v: readonly number[]): number[] {
  const { device } = fromVector(v);
  return LINEAR_TERMS.map((t) => t.value(device));
}

/** Solves the symmetric positive-definite system a·w = b by Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    if (m[c][c] === 0) throw new DynpipeError('E_PREDICTOR', 'linear fit is singular');
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / m[c][c];
      for (let q = c; q <= n; q++) m[r][q] -= f * m[c][q];
    }
  }
  const w = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r][n];
    for (let q = r + 1; q < n; q++) s -= m[r][q] * w[q];
    w[r] = s / m[r][r];
  }
  return w;
}
