/**
 * TEST HOOK: a network cut, simulated at the transport's hooks. From `atMs` on, every data-plane
 * send waits a day (send-delay.ts) — as good as never arriving: the peer's receive times out, or the
 * job ends first — and every control message, heartbeats included, is dropped unsent.
 */
import type { ControlClient } from './control-client.js';
import type { DataPlane } from './data-plane.js';
import type { SendDelay } from './send-delay.js';

const A_DAY_MS = 24 * 3600 * 1000;

/** The data-plane half: a send delay of a day from `atMs` on (by `now`). Pure. */
export function cutAt(atMs: number, now: () => number): SendDelay {
  return () => (now() >= atMs ? A_DAY_MS : 0);
}

/** Cuts a rank's links at Date.now() `atMs`: its data plane and its control channel. */
export function simulateNetworkCut(control: ControlClient, plane: DataPlane, atMs: number): void {
  control.simulateCutAt(atMs);
  plane.setSendDelay(cutAt(atMs, Date.now));
}
