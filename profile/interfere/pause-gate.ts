/**
 * A gate a generator's duty-cycle loop passes before each step: open, the loop runs; closed
 * (paused), the loop waits without using the CPU until the gate opens again or the run is aborted.
 * The collector closes it to measure a workload "alone" between interfered runs while keeping the
 * generator processes alive, so alone and interfered measurements interleave and slow drift in the
 * host's background load cancels out of their ratio.
 */
export class PauseGate {
  private closed: { promise: Promise<void>; open(): void } | null = null;

  get paused(): boolean {
    return this.closed !== null;
  }

  pause(): void {
    if (this.closed !== null) return;
    let open = (): void => undefined;
    const promise = new Promise<void>((resolve) => (open = resolve));
    this.closed = { promise, open };
  }

  resume(): void {
    const c = this.closed;
    this.closed = null;
    c?.open();
  }

  /** Resolves at once while open; otherwise when resumed or when `signal` aborts. */
  async wait(signal: AbortSignal): Promise<void> {
    const c = this.closed;
    if (c === null || signal.aborted) return;
    await new Promise<void>((resolve) => {
      const onAbort = (): void => resolve();
      signal.addEventListener('abort', onAbort, { once: true });
      void c.promise.then(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }
}
