/**
 * A tiny memory-bandwidth probe: time to copy a 4 MiB buffer (a few hundred microseconds). When a
 * co-located process streams through memory, the copy slows; the probe is a cheap proxy for the
 * memory-bandwidth pressure a stage sees, needing no hardware counters or privileges.
 */

export const PROBE_BYTES = 4 * 1024 * 1024;

export class MembwProbe {
  private readonly src: Buffer;
  private readonly dst: Buffer;

  constructor(bytes = PROBE_BYTES) {
    this.src = Buffer.alloc(bytes, 1);
    this.dst = Buffer.alloc(bytes);
  }

  /** Copy bandwidth in GB/s (1e9 bytes per second): best of `copies` timed copies. */
  measure(copies = 2): number {
    let best = Infinity;
    for (let i = 0; i < copies; i++) {
      const t0 = process.hrtime.bigint();
      this.src.copy(this.dst);
      const ns = Number(process.hrtime.bigint() - t0);
      best = Math.min(best, ns);
    }
    return this.src.length / Math.max(best, 1);
  }
}
