/**
 * net interference: not a process but a send-delay hook for the transport
 * (`transport.setSendDelay(hook)`): every send of the affected rank waits
 *
 *   delayMs = intensity * (baseMs + perMbMs * bytes / 1e6) + jitter,   jitter ~ U[0, intensity * jitterMs)
 *
 * Jitter comes from a seeded generator, so a replayed schedule delays the same sends the same way.
 */
import { DynpipeError } from '../../runtime/errors.js';
import type { SendDelay } from '../../predictor/collect.js';
import { seededRandom } from '../../predictor/random.js';

export interface NetDelayOptions {
  /** Fixed delay per send at intensity 1. */
  baseMs: number;
  /** Extra delay per megabyte (1e6 bytes) at intensity 1, i.e. the inverse of a throttled bandwidth. */
  perMbMs: number;
  /** Jitter range at intensity 1. */
  jitterMs: number;
  seed: number;
}

export const DEFAULT_NET_DELAY: NetDelayOptions = { baseMs: 5, perMbMs: 2, jitterMs: 2, seed: 1 };

export function netDelayHook(intensity: number, options: Partial<NetDelayOptions> = {}): SendDelay {
  const o = { ...DEFAULT_NET_DELAY, ...options };
  if (!(intensity > 0 && intensity <= 1)) throw new DynpipeError('E_USAGE', `net intensity must be in (0, 1], got ${intensity}`);
  for (const k of ['baseMs', 'perMbMs', 'jitterMs'] as const) {
    if (!(o[k] >= 0 && Number.isFinite(o[k]))) throw new DynpipeError('E_USAGE', `net ${k} must be a finite number >= 0, got ${o[k]}`);
  }
  const random = seededRandom(o.seed);
  return (_toRank, bytes) => intensity * (o.baseMs + (o.perMbMs * bytes) / 1e6) + random() * intensity * o.jitterMs;
}

/** Several net interferers on one rank add their delays; no hook at all means no delay. */
export function combineDelays(hooks: readonly SendDelay[]): SendDelay | null {
  if (hooks.length === 0) return null;
  return (toRank, bytes) => hooks.reduce((s, h) => s + h(toRank, bytes), 0);
}
