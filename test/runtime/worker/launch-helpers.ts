/** Shared by the multi-process checkpoint and failure tests: plans, weight files, rank pids, waits. */
import { strict as assert } from 'node:assert';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeTensors } from '../../../runtime/checkpoint/tensor-file.js';

/** Every run here trains the 3-block mlp on 256 synthetic images on the cpu backend. */
export const COMMON = ['--dataset', 'synthetic-image', '--train-samples', '256', '--backend', 'cpu'];

/** Writes a plan of the 3-block mlp with one rank per stage; in_flight 1 makes the result independent of the split. */
export function writePlan(dir: string, name: string, partition: number[], inFlight?: number): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({
    version: 1, model: { name: 'mlp', args: { hidden: 16, layers: 2 } }, num_blocks: 3, partition,
    stage_to_rank_map: Object.fromEntries(partition.map((_, s) => [String(s), [s]])), microbatch_size: 8,
    ...(inFlight !== undefined ? { in_flight: inFlight } : {}),
    training: { optimizer: 'momentum', lr: 0.05, momentum: 0.9, seed: 3 },
  }));
  return path;
}

/** The raw bytes of every tensor in a --save-weights directory, by parameter key. */
export function weightsIn(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.weights'))) {
    for (const [k, t] of decodeTensors(readFileSync(join(dir, f)), f).tensors) out.set(k, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return out;
}

/** Bit-for-bit equality of two weight sets, naming the first tensor that differs. */
export function assertSameWeights(actual: Map<string, Buffer>, expected: Map<string, Buffer>, what: string): void {
  assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort(), `${what}: parameter names`);
  assert.ok(expected.size > 0, `${what}: no weights`);
  for (const [k, b] of expected) assert.ok(actual.get(k)!.equals(b), `${what}: parameter ${k} differs`);
}

/** Resolves with rank -> pid once `n` workers printed their "rank R (pid P): stage" line. */
export function rankPids(child: ChildProcess, n: number, timeoutMs = 90_000): Promise<Map<number, number>> {
  const pids = new Map<number, number>();
  let buffer = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`workers did not start: ${buffer.slice(-2000)}`)), timeoutMs);
    child.stderr!.on('data', (d) => {
      buffer += d;
      for (const m of buffer.matchAll(/rank (\d+) \(pid (\d+)\): stage/g)) pids.set(Number(m[1]), Number(m[2]));
      if (pids.size === n) {
        clearTimeout(timer);
        resolve(pids);
      }
    });
  });
}

/** Polls until `path` exists. */
export async function waitForFile(path: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${path} did not appear within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
