/**
 * Moving named state tensors (checkpoint/state-entries.ts) between two ranks over the data plane,
 * as messages of kind 'migrate' whose `mb` is the NEW plan version, and the two one-message
 * signals of the pair protocol:
 *
 *   receiver ──READY──────────────────▶ sender      (receiver drained and reading: no flooding)
 *   receiver ◀─tag 0 {count: n}──────── sender      (a manifest: an empty tensor)
 *   receiver ◀─tag 1..n {name} tensor── sender      (execution order)
 *   receiver ──ACK────────────────────▶ sender      (installed: the sender may drop its copy)
 *
 * Both ends are still at the OLD plan version on the data plane while this runs (they switch after
 * everyone migrated), so the headers carry the old version and `mb` tells plan changes apart.
 * Anything malformed (a missing or repeated name, a bad count) is E_MIGRATION naming the peer.
 */
import { DynpipeError } from '../errors.js';
import type { HostTensor } from '../checkpoint/tensor-file.js';
import type { DataPlane } from '../transport/data-plane.js';
import type { WireTensor } from '../transport/tensor.js';

export const MANIFEST_TAG = 0;
export const READY_TAG = 1_000_000_000;
export const ACK_TAG = 1_000_000_001;

/** Most tensors one pair may move (a sanity bound on a peer's manifest). */
export const MAX_ENTRIES = 100_000;

const EMPTY: WireTensor = { dtype: 'float32', shape: [0], data: new Float32Array(0) };

function wire(t: HostTensor): WireTensor {
  return t.dtype === 'int32' ? { dtype: 'int32', shape: t.shape, data: t.data as Int32Array } : { dtype: 'float32', shape: t.shape, data: t.data as Float32Array };
}

/** Sends a one-message signal (READY or ACK) of plan change `planVersion`. */
export async function sendSignal(plane: DataPlane, to: number, planVersion: number, tag: typeof READY_TAG | typeof ACK_TAG, timeoutMs: number): Promise<void> {
  await plane.send(to, { kind: 'migrate', mb: planVersion, tag }, EMPTY, timeoutMs);
}

export async function awaitSignal(plane: DataPlane, from: number, planVersion: number, tag: typeof READY_TAG | typeof ACK_TAG, timeoutMs: number): Promise<void> {
  await plane.recv({ kind: 'migrate', mb: planVersion, fromRank: from, tag }, timeoutMs);
}

/**
 * Sends `entries` in their iteration order; returns the bytes of tensor data sent. `afterEach` is
 * a test hook called after each entry left (index from 1).
 */
export async function sendEntries(plane: DataPlane, to: number, planVersion: number, entries: ReadonlyMap<string, HostTensor>, timeoutMs: number, afterEach?: (index: number) => void): Promise<number> {
  await plane.send(to, { kind: 'migrate', mb: planVersion, tag: MANIFEST_TAG, extra: { count: entries.size } }, EMPTY, timeoutMs);
  let bytes = 0;
  let tag = 0;
  for (const [name, t] of entries) {
    tag++;
    await plane.send(to, { kind: 'migrate', mb: planVersion, tag, extra: { name } }, wire(t), timeoutMs);
    bytes += t.data.byteLength;
    afterEach?.(tag);
  }
  return bytes;
}

/** Receives one peer's entries for plan change `planVersion`; each receive has `timeoutMs`. */
export async function recvEntries(plane: DataPlane, from: number, planVersion: number, timeoutMs: number): Promise<Map<string, HostTensor>> {
  const bad = (what: string) => new DynpipeError('E_MIGRATION', `rank ${plane.rank}: migration to plan version ${planVersion}: message from rank ${from}: ${what}`);
  const head = await plane.recv({ kind: 'migrate', mb: planVersion, fromRank: from, tag: MANIFEST_TAG }, timeoutMs);
  const count = head.header.extra?.count;
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0 || count > MAX_ENTRIES) throw bad(`manifest count is ${String(count)}, expected an integer in [0, ${MAX_ENTRIES}]`);
  const out = new Map<string, HostTensor>();
  for (let tag = 1; tag <= count; tag++) {
    const m = await plane.recv({ kind: 'migrate', mb: planVersion, fromRank: from, tag }, timeoutMs);
    const name = m.header.extra?.name;
    if (typeof name !== 'string' || name.length === 0) throw bad(`tensor ${tag} of ${count} has no name`);
    if (out.has(name)) throw bad(`tensor '${name.slice(0, 80)}' sent twice`);
    out.set(name, { dtype: m.tensor.dtype, shape: m.tensor.shape, data: m.tensor.data });
  }
  return out;
}
