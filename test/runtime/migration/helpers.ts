/** Shared pieces of the multi-process plan-change tests: tiny plans, launches, losses and states. */
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRankLog, type RankLogRow } from '../../../runtime/log/rank-log.js';
import { decodeTensors } from '../../../runtime/checkpoint/tensor-file.js';

export const MODEL_ARGS = { hidden: 16, layers: 3 }; // 4 blocks: fc1 fc2 fc3 head
export const DATA = ['--dataset', 'synthetic-image', '--train-samples', '256', '--backend', 'cpu'];

export function planJson(partition: number[], stageRanks: number[][]): object {
  return {
    version: 1,
    model: { name: 'mlp', args: MODEL_ARGS },
    num_blocks: 4,
    partition,
    stage_to_rank_map: Object.fromEntries(stageRanks.map((r, s) => [String(s), r])),
    microbatch_size: 8,
    schedule: '1f1b',
    training: { optimizer: 'momentum', lr: 0.05, momentum: 0.9, weight_decay: 0, seed: 3 },
  };
}

export function writePlan(dir: string, name: string, plan: object): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(plan));
  return path;
}

export function rowsOf(logDir: string, rank: number): RankLogRow[] {
  const file = join(logDir, `rank-${rank}.csv`);
  return parseRankLog(readFileSync(file, 'utf8'), file, rank);
}

/** (microbatch, loss) of every step row with a loss in rank's log, in log order. */
export function lossesOf(logDir: string, rank: number, fromMb = 0): Array<[number, number]> {
  return rowsOf(logDir, rank).flatMap((r) => (r.row === 'step' && r.loss !== undefined && r.microbatch >= fromMb ? [[r.microbatch, r.loss] as [number, number]] : []));
}

/**
 * Every tensor of every `rank-<r>.tensors` file in `dir` by entry name, as bytes; a name held by
 * several files (replicas) must have the same bytes in each.
 */
export function stateIn(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const f of readdirSync(dir).filter((n) => /^rank-\d+\.tensors$/.test(n)).sort()) {
    for (const [name, t] of decodeTensors(readFileSync(join(dir, f)), f).tensors) {
      const bytes = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
      const seen = out.get(name);
      if (seen) assert.ok(seen.equals(bytes), `replicas disagree on ${name} (${f})`);
      else out.set(name, Buffer.from(bytes));
    }
  }
  return out;
}

/** Asserts two states hold the same entries with the same bytes. */
export function assertSameState(actual: Map<string, Buffer>, expected: Map<string, Buffer>): void {
  assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort());
  for (const [k, b] of expected) assert.ok(actual.get(k)!.equals(b), `${k} differs`);
}
