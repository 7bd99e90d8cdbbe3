/**
 * Ring all-reduce of a stage's gradients among its replicas, over the data plane (kind 'allreduce',
 * mb = the reduction's step version, tag = the ring step), after Patarasuk & Yuan's bandwidth-optimal
 * ring: n-1 reduce-scatter steps, then n-1 all-gather steps, each moving one chunk to the right.
 *
 * Let the replicas, sorted by rank, sit at positions 0..n-1 and the concatenated input of length L be
 * cut into chunks c = [floor(c*L/n), floor((c+1)*L/n)). Chunk c starts at position c, each next position
 * adds its own values, and it is complete at position c-1; so every element of chunk c is
 *
 *     fround(...fround(fround(x[c] + x[c+1]) + x[c+2]) ... + x[c+n-1])      (positions mod n)
 *
 * ('mean' divides that by n, once, at the owning position). All-gather copies each finished chunk
 * verbatim, so the result is bit-identical on every replica and independent of arrival order.
 */
import { DynpipeError } from '../errors.js';
import type { DataPlane } from './data-plane.js';
import { float32Tensor } from './tensor.js';

export interface AllReduceOptions {
  /** Ranks of the replicas; the same set on every replica. */
  ranks: readonly number[];
  /** Version of this reduction (e.g. the optimizer step): distinct for consecutive reductions of one group within a plan version. */
  step: number;
  op?: 'sum' | 'mean';
  /** Deadline of the whole reduction. */
  timeoutMs: number;
}

/** Chunk c of a length-L buffer cut in n: [floor(c*L/n), floor((c+1)*L/n)). */
export function chunkBounds(length: number, n: number, c: number): [number, number] {
  return [Math.floor((c * length) / n), Math.floor(((c + 1) * length) / n)];
}

/**
 * Reduces `arrays` element-wise across the replicas; returns arrays of the same lengths (views of one
 * new buffer). The inputs are not modified. Throws E_PEER_TIMEOUT past the deadline, E_MESSAGE if a
 * replica's chunk has the wrong size, E_USAGE if this rank is not among `ranks`.
 */
export async function ringAllReduce(plane: DataPlane, arrays: readonly Float32Array[], opts: AllReduceOptions): Promise<Float32Array[]> {
  const ranks = [...opts.ranks].sort((a, b) => a - b);
  const n = ranks.length;
  const me = ranks.indexOf(plane.rank);
  if (me < 0) throw new DynpipeError('E_USAGE', `rank ${plane.rank} is not among the all-reduce ranks [${ranks.join(', ')}]`);
  if (new Set(ranks).size !== n) throw new DynpipeError('E_USAGE', `all-reduce ranks [${ranks.join(', ')}] repeat a rank`);
  const deadline = Date.now() + opts.timeoutMs;
  const acc = concat(arrays);
  const out = new Float32Array(acc.length);
  const chunk = (c: number) => chunkBounds(acc.length, n, mod(c, n));
  const right = ranks[mod(me + 1, n)];
  const left = ranks[mod(me - 1, n)];

  // Moves one chunk to the right and takes one from the left, for ring step `tag`.
  const exchange = async (tag: number, send: Float32Array, want: number): Promise<Float32Array> => {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new DynpipeError('E_PEER_TIMEOUT', `rank ${plane.rank}: all-reduce step ${opts.step} passed its ${opts.timeoutMs} ms deadline at ring step ${tag}`);
    const [, m] = await Promise.all([
      plane.send(right, { kind: 'allreduce', mb: opts.step, tag }, float32Tensor(send), remaining),
      plane.recv({ kind: 'allreduce', mb: opts.step, fromRank: left, tag }, remaining),
    ]);
    if (m.tensor.dtype !== 'float32' || m.tensor.shape.length !== 1 || m.tensor.shape[0] !== want) {
      throw new DynpipeError('E_MESSAGE', `rank ${plane.rank}: all-reduce step ${opts.step}: rank ${left} sent ${m.tensor.dtype}[${m.tensor.shape.join(', ')}] at ring step ${tag}, expected float32[${want}] (replicas disagree on gradient sizes?)`);
    }
    return m.tensor.data as Float32Array;
  };

  // Reduce-scatter: at step s send chunk me-s, receive chunk me-s-1 and add this rank's values to it.
  // A chunk is written only before it is sent, never after, so the zero-copy send stays valid.
  for (let s = 0; s < n - 1; s++) {
    const [a, b] = chunk(me - s);
    const [c0, c1] = chunk(me - s - 1);
    const partial = await exchange(s, acc.subarray(a, b), c1 - c0);
    for (let i = 0; i < partial.length; i++) acc[c0 + i] = partial[i] + acc[c0 + i];
  }

  // The chunk this rank finished (me+1) is final; 'mean' scales it here, once, for everyone.
  const [o0, o1] = chunk(me + 1);
  const owned = acc.slice(o0, o1);
  if (opts.op === 'mean') for (let i = 0; i < owned.length; i++) owned[i] = owned[i] / n;
  out.set(owned, o0);

  // All-gather: at step s send chunk me+1-s (the one received last), receive chunk me-s verbatim.
  let forward: Float32Array = owned;
  for (let s = 0; s < n - 1; s++) {
    const [c0, c1] = chunk(me - s);
    const done = await exchange(n - 1 + s, forward, c1 - c0);
    out.set(done, c0);
    forward = done;
  }
  return split(out, arrays);
}

function concat(arrays: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(arrays.reduce((t, a) => t + a.length, 0));
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return out;
}

function split(flat: Float32Array, like: readonly Float32Array[]): Float32Array[] {
  const out: Float32Array[] = [];
  let offset = 0;
  for (const a of like) {
    out.push(flat.subarray(offset, offset + a.length));
    offset += a.length;
  }
  return out;
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}
