/** One-line error reporting shared by every entry point (CLI, worker, coordinator). */
import { DynpipeError } from '../errors.js';

export function reportFatal(e: unknown, debug: boolean, prefix = 'dynpipe'): never {
  if (debug && e instanceof Error && e.stack) process.stderr.write(e.stack + '\n');
  if (e instanceof DynpipeError) {
    process.stderr.write(`${prefix}: ${e.message}\n`);
    process.exit(e.code === 'E_PEER_FAILED' || e.code === 'E_PEER_TIMEOUT' ? 1 : 2);
  }
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`${prefix}: internal error: ${msg.split('\n')[0]}${debug ? '' : ' (run with --debug for the stack)'}\n`);
  process.exit(1);
}
