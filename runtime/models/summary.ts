/** A per-block summary of a model (what the planner and profiler see), as rows or aligned text. */
import type { ModelSpec } from './block.js';
import { activationBytesPerSample, blockParamCount } from './block.js';

export interface BlockSummary {
  index: number;
  name: string;
  kind: string;
  outputShape: number[];
  params: number;
  buffers: number;
  flops: number;
  activationBytes: number;
}

export function summarizeModel(model: ModelSpec): BlockSummary[] {
  return model.blocks.map((b, index) => ({
    index,
    name: b.name,
    kind: b.kind,
    outputShape: [...b.outputShape],
    params: blockParamCount(b),
    buffers: blockParamCount(b, false) - blockParamCount(b),
    flops: b.flops,
    activationBytes: activationBytesPerSample(b.outputShape),
  }));
}

/** Right-aligned columns, a header line and a total line. */
export function formatSummary(model: ModelSpec): string {
  const rows = summarizeModel(model);
  const header = ['#', 'block', 'kind', 'output', 'params', 'flops/sample', 'act bytes/sample'];
  const cells = rows.map((r) => [String(r.index), r.name, r.kind, `[${r.outputShape.join(',')}]`, String(r.params), String(r.flops), String(r.activationBytes)]);
  const total = (f: (r: BlockSummary) => number) => String(rows.reduce((s, r) => s + f(r), 0));
  cells.push(['', 'total', '', '', total((r) => r.params), total((r) => r.flops), '']);
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c].length)));
  const line = (row: string[]) => row.map((v, c) => (c === 1 || c === 2 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ').trimEnd();
  const args = Object.entries(model.args).map(([k, v]) => `${k}=${v}`).join(',');
  return [`${model.name} (${args}): ${rows.length} blocks, input ${model.inputDtype} [${model.inputShape.join(',')}], loss ${model.loss}`, line(header), ...cells.map(line)].join('\n');
}
