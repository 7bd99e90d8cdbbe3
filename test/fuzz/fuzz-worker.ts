/**
 * Worker thread of the parser fuzz suite: runs every target of targets.ts in turn with fast-check
 * and reports to the main thread — each input (a short preview) before it is parsed, so a hang is
 * pinned to its input, and each target's result. Parsers are synchronous: only a thread the main
 * thread can terminate makes "never hangs" checkable.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { isDynpipeError, type ErrorCode } from '../../runtime/errors.js';
import { FUZZ_TARGETS } from './targets.js';

export interface FuzzWorkerData {
  runs: number;
  seed: number;
  /** A single input taking longer than this fails the target. */
  slowMs: number;
}

export type FuzzReport =
  | { kind: 'input'; target: string; preview: string }
  | { kind: 'done'; target: string; tried: number; failure?: string };

function preview(input: unknown): string {
  try {
    return previewOf(input);
  } catch (e) {
    return `(no preview: ${(e as Error).message})`;
  }
}

function previewOf(input: unknown): string {
  if (input instanceof Uint8Array) return `${input.length} bytes: ${Buffer.from(input.subarray(0, 48)).toString('hex')}${input.length > 48 ? '…' : ''}`;
  if (typeof input === 'string') return JSON.stringify(input.slice(0, 200)) + (input.length > 200 ? `… (${input.length} chars)` : '');
  if (Array.isArray(input) && input.every((x) => x instanceof Uint8Array)) return `[${input.map(previewOf).join(', ')}]`;
  return brief(input, 6).slice(0, 300);
}

/** A bounded sketch of a JSON-like value: at most `depth` levels, a few items per container. */
function brief(v: unknown, depth: number): string {
  if (v instanceof Uint8Array) return `<${v.length} bytes>`;
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (v === null || typeof v !== 'object') return String(v);
  if (depth === 0) return Array.isArray(v) ? '[…]' : '{…}';
  if (Array.isArray(v)) return `[${v.slice(0, 6).map((x) => brief(x, depth - 1)).join(',')}${v.length > 6 ? `,…${v.length} items` : ''}]`;
  const keys = Object.keys(v);
  return `{${keys.slice(0, 8).map((k) => `${JSON.stringify(k)}:${brief((v as Record<string, unknown>)[k], depth - 1)}`).join(',')}${keys.length > 8 ? ',…' : ''}}`;
}

/** Why `e` is not a clear error of one of `codes`, or undefined if it is one. */
function unclear(e: unknown, codes: readonly ErrorCode[]): string | undefined {
  if (!isDynpipeError(e)) return `crash: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
  if (!codes.includes(e.code)) return `error code ${e.code}, expected ${codes.join(' or ')}: ${e.message}`;
  if (e.message.trim() === '') return 'empty error message';
  if (e.message.includes('\n')) return `error message spans lines: ${JSON.stringify(e.message.slice(0, 200))}`;
  if (e.message.length > 1000) return `error message of ${e.message.length} characters`;
  return undefined;
}

const { runs, seed, slowMs } = workerData as FuzzWorkerData;
const post = (r: FuzzReport): void => parentPort!.postMessage(r);

FUZZ_TARGETS.forEach((t, k) => {
  let tried = 0;
  const property = fc.property(t.inputs(), (input) => {
    tried++;
    post({ kind: 'input', target: t.name, preview: preview(input) });
    const t0 = performance.now();
    try {
      t.parse(input);
    } catch (e) {
      const problem = unclear(e, t.codes);
      if (problem) throw new Error(problem);
    }
    const ms = performance.now() - t0;
    if (ms > slowMs) throw new Error(`took ${ms.toFixed(0)} ms (limit ${slowMs})`);
  });
  const details = fc.check(property, { numRuns: runs, seed: seed + k, maxSkipsPerRun: 0, endOnFailure: true });
  const failure = details.failed
    ? `${(details.errorInstance as Error | undefined)?.message ?? 'failed'} -- input ${preview(details.counterexample?.[0])} (seed ${seed + k}, path ${details.counterexamplePath})`
    : undefined;
  post({ kind: 'done', target: t.name, tried, ...(failure ? { failure } : {}) });
});
