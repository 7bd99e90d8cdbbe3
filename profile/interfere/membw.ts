/**
 * membw interference: streaming copies over a buffer several times the last-level cache, so each
 * copy goes to DRAM and competes for memory bandwidth rather than for cache or ALUs. Each step
 * copies the next 4 MiB chunk; the chunk walk covers the whole buffer before reusing any line.
 */
import { DynpipeError } from '../../runtime/errors.js';
import type { Step } from './duty-cycle.js';

const CHUNK = 4 * 1024 * 1024;

/** `bufferMb` should exceed the LLC (64 MiB default is twice a 32 MiB L3). */
export function membwStep(bufferMb = 64): Step {
  if (!(Number.isInteger(bufferMb) && bufferMb >= 8)) throw new DynpipeError('E_USAGE', `membw buffer must be an integer >= 8 MiB, got ${bufferMb}`);
  const bytes = bufferMb * 1024 * 1024;
  const src = Buffer.alloc(bytes, 7);
  const dst = Buffer.alloc(bytes);
  let offset = 0;
  return () => {
    src.copy(dst, offset, offset, offset + CHUNK);
    offset = (offset + CHUNK) % bytes;
  };
}
