/** Whole-dataset statistics for `dynpipe dataset`: a pure scan through `gather` in chunks. */
import type { Dataset } from './dataset.js';

export interface DatasetSummary {
  /** Samples per label value, ascending by label; -1 (ignored positions) is counted separately. */
  labelCounts: Array<[label: number, count: number]>;
  ignoredLabels: number;
  inputMin: number;
  inputMax: number;
  inputMean: number;
}

/** Scans every sample, `chunk` at a time, calling `onProgress(samplesDone)` after each chunk. */
export function summarizeDataset(ds: Dataset, chunk = 1024, onProgress?: (done: number) => void): DatasetSummary {
  const counts = new Map<number, number>();
  let ignored = 0;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let elements = 0;
  for (let start = 0; start < ds.size; start += chunk) {
    const end = Math.min(start + chunk, ds.size);
    const { x, y } = ds.gather(Array.from({ length: end - start }, (_, k) => start + k));
    for (const v of x) {
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
    }
    elements += x.length;
    for (const l of y) {
      if (l === -1) ignored++;
      else counts.set(l, (counts.get(l) ?? 0) + 1);
    }
    onProgress?.(end);
  }
  return {
    labelCounts: [...counts.entries()].sort((a, b) => a[0] - b[0]),
    ignoredLabels: ignored,
    inputMin: min,
    inputMax: max,
    inputMean: elements > 0 ? sum / elements : NaN,
  };
}
