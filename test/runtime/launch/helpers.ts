/** Shared by the launch tests: one-line error matcher. */
import { strict as assert } from 'node:assert';
import { isDynpipeError, type ErrorCode } from '../../../runtime/errors.js';

/** Asserts `fn` throws a one-line DynpipeError with `code` whose message contains every `part`. */
export function throwsOneLine(fn: () => unknown, code: ErrorCode, ...parts: string[]): void {
  assert.throws(fn, (e: unknown) => matchesOneLine(e, code, parts));
}

/** Like throwsOneLine for a promise. */
export async function rejectsOneLine(p: Promise<unknown>, code: ErrorCode, ...parts: string[]): Promise<void> {
  await assert.rejects(p, (e: unknown) => matchesOneLine(e, code, parts));
}

function matchesOneLine(e: unknown, code: ErrorCode, parts: string[]): true {
  assert.ok(isDynpipeError(e, code), `expected ${code}, got ${String(e)}`);
  assert.ok(!e.message.includes('\n'), `message has several lines: ${e.message}`);
  for (const p of parts) assert.ok(e.message.includes(p), `message lacks '${p}': ${e.message}`);
  return true;
}
