/** Renders a partition as the readable per-stage table `dynpipe plan` prints (pure: returns text). */
import type { PartitionResult } from './evaluate.js';
import { objectiveLabel } from './to-plan.js';

function fixed(x: number, digits = 2): string {
  return x.toFixed(digits);
}

function gb(bytes: number): string {
  return (bytes / 1e9).toFixed(3);
}

function rankList(ranks: readonly number[]): string {
  return ranks.length === 1 ? String(ranks[0]) : `${ranks[0]}-${ranks[ranks.length - 1]}`;
}

function blockSpan(blocks: readonly [number, number], names?: readonly string[]): string {
  const span = `[${blocks[0]}, ${blocks[1]})`;
  if (!names) return span;
  const first = names[blocks[0]];
  const last = names[blocks[1] - 1];
  return blocks[1] - blocks[0] === 1 ? `${span} ${first}` : `${span} ${first} .. ${last}`;
}

/** Left-aligns the first two columns and right-aligns the rest. */
function renderTable(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd()).join('\n');
}

/**
 * The per-stage table (blocks, ranks, compute / all-reduce / transfer / stage time per microbatch,
 * stash versions, memory per rank) and a summary (bottleneck, lower bound, throughput, objective).
 */
export function formatPartition(result: PartitionResult, opts: { blockNames?: readonly string[]; microbatchSize: number }): string {
  const pipedream = result.objective.kind === 'pipedream';
  const header = ['stage', 'blocks', 'ranks', 'compute ms', 'allreduce ms', pipedream ? 'link out ms' : 'transfer ms', 'time ms', 'versions', 'GB/rank'];
  const rows = result.stages.map((s, k) => [
    String(k),
    blockSpan(s.blocks, opts.blockNames),
    rankList(s.ranks),
    fixed(s.computeMs),
    fixed(s.allreduceMs),
    k === result.stages.length - 1 && pipedream ? '-' : fixed(s.commMs),
    fixed(s.timeMs),
    String(s.stashVersions),
    gb(s.memoryBytes),
  ]);
  const efficiency = result.bottleneckMs > 0 ? (100 * result.lowerBoundMs) / result.bottleneckMs : 100;
  const lines = [
    renderTable([header, ...rows]),
    '',
    `objective: ${objectiveLabel(result.objective)}` + (pipedream ? '' : ` (staleness penalty x${fixed(result.penalty, 3)}, objective ${fixed(result.objectiveMs)} ms)`),
    `bottleneck: ${fixed(result.bottleneckMs)} ms per microbatch of ${opts.microbatchSize} (lower bound ${fixed(result.lowerBoundMs)} ms: ${fixed(efficiency, 1)}% efficient)`,
    `predicted throughput: ${fixed(result.throughputSamplesPerS, 1)} samples/s`,
    `memory per rank: max ${gb(Math.max(...result.memoryPerRankBytes))} GB`,
  ];
  return lines.join('\n') + '\n';
}
