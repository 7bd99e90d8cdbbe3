/** Shared test fixtures: unique bind addresses per transport, and a collector for rejected messages. */
import { DynpipeError, type ErrorCode, isDynpipeError } from '../../../runtime/errors.js';
import { ipcEndpoint, tcpEndpoint } from '../../../runtime/transport/endpoints.js';

export const TRANSPORTS = ['ipc', 'tcp'] as const;
export type Transport = (typeof TRANSPORTS)[number];

let counter = 0;

/** A fresh address no other test uses: an ipc path unique to this process and call, or an ephemeral loopback port. */
export function uniqueBindAddress(transport: Transport): string {
  counter++;
  return transport === 'ipc' ? ipcEndpoint(`test-${process.pid}-${counter}`, 0) : tcpEndpoint('127.0.0.1', 0);
}

/** Collects rejections and lets a test wait for the n-th one without sleeping. */
export class RejectLog {
  readonly errors: DynpipeError[] = [];
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  readonly onReject = (err: DynpipeError): void => {
    this.errors.push(err);
    const ready = this.waiters.filter((w) => this.errors.length >= w.count);
    this.waiters = this.waiters.filter((w) => this.errors.length < w.count);
    for (const w of ready) w.resolve();
  };

  /** Resolves once `count` rejections in total have been seen. */
  until(count: number): Promise<void> {
    if (this.errors.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }
}

/** A predicate for assert.rejects/throws: a DynpipeError with `code` whose message matches every pattern. */
export function dynpipeError(code: ErrorCode, ...patterns: RegExp[]): (e: unknown) => boolean {
  return (e: unknown) => {
    if (!isDynpipeError(e, code)) throw new Error(`expected DynpipeError ${code}, got ${String(e)}`);
    for (const p of patterns) if (!p.test(e.message)) throw new Error(`message '${e.message}' does not match ${p}`);
    return true;
  };
}

/** The bytes of a typed array, for bit-exact comparisons (NaN payloads and -0 included). */
export function bytesOf(a: ArrayBufferView): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** A small deterministic PRNG (mulberry32), so test data is reproducible. */
export { seededRandom as prng } from '../../../runtime/models/prng.js';
