/** Argument checks shared by the transport's public entry points; each failure is one E_USAGE line. */
import { DynpipeError } from '../errors.js';

/** A rank, plan version or similar index: a non-negative safe integer. */
export function checkIndex(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new DynpipeError('E_USAGE', `${what} must be a non-negative integer, got ${n}`);
}

/** A deadline: a positive, finite number of milliseconds. */
export function checkTimeout(ms: number): void {
  if (typeof ms !== 'number' || !(ms > 0) || !Number.isFinite(ms)) throw new DynpipeError('E_USAGE', `timeout must be a positive number of ms, got ${ms}`);
}
