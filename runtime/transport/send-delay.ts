/**
 * Injected network interference. We cannot shape the kernel's network, so the data plane asks a
 * `SendDelay` how long to hold each message before handing it to ZeroMQ. Sends to one peer are
 * serialized, so a per-message delay of `bytes / bandwidth` throttles that link to `bandwidth`.
 *
 * The functions here are pure: randomness comes in as an argument.
 */
import { DynpipeError } from '../errors.js';

/** Milliseconds to wait before sending `bytes` (header + data) to `toRank`; must be finite and >= 0. */
export type SendDelay = (toRank: number, bytes: number) => number;

export const noDelay: SendDelay = () => 0;

/** A link of `bytesPerS` bandwidth and `latencyMs` one-way latency: latency + bytes / bandwidth. */
export function linkDelay(opts: { bytesPerS: number; latencyMs?: number }): SendDelay {
  const { bytesPerS, latencyMs = 0 } = opts;
  if (!(bytesPerS > 0) || !Number.isFinite(bytesPerS)) throw new DynpipeError('E_USAGE', `link bandwidth must be a positive number of bytes/s, got ${bytesPerS}`);
  if (!(latencyMs >= 0) || !Number.isFinite(latencyMs)) throw new DynpipeError('E_USAGE', `link latency must be a non-negative number of ms, got ${latencyMs}`);
  return (_toRank, bytes) => latencyMs + (bytes / bytesPerS) * 1000;
}

/** `base` plus a uniform extra delay in [0, jitterMs); `random` returns values in [0, 1). */
export function withJitter(base: SendDelay, jitterMs: number, random: () => number): SendDelay {
  if (!(jitterMs >= 0) || !Number.isFinite(jitterMs)) throw new DynpipeError('E_USAGE', `jitter must be a non-negative number of ms, got ${jitterMs}`);
  return (toRank, bytes) => base(toRank, bytes) + random() * jitterMs;
}

/** `delay` for messages to the listed ranks, none for the others (interference on some links only). */
export function onlyTo(ranks: readonly number[], delay: SendDelay): SendDelay {
  const slowed = new Set(ranks);
  return (toRank, bytes) => (slowed.has(toRank) ? delay(toRank, bytes) : 0);
}

/** Evaluates `delay` and checks its result; a bad value is E_USAGE naming the rank and size. */
export function delayMs(delay: SendDelay, toRank: number, bytes: number): number {
  const ms = delay(toRank, bytes);
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new DynpipeError('E_USAGE', `send delay for ${bytes} bytes to rank ${toRank} is ${String(ms)}, expected a finite number of ms >= 0`);
  }
  return ms;
}
