/**
 * Typed errors with a stable `code`, in the manner of zeromq.js. The CLI prints `message` on one
 * line (stack only with --debug); code below the CLI throws these instead of asserting on input.
 */
export type ErrorCode =
  | 'E_USAGE' // bad flag or argument value
  | 'E_PLAN_INVALID' // plan file fails validation
  | 'E_PLAN_INFEASIBLE' // no partition satisfies the constraints
  | 'E_PROFILE_PARSE' // profile or graph.txt malformed
  | 'E_LOG_PARSE' // per-rank CSV log or run summary malformed or inconsistent
  | 'E_DATA' // dataset missing, truncated or of the wrong format
  | 'E_BACKEND' // requested compute backend unavailable
  | 'E_MODEL' // unknown model or bad model arguments
  | 'E_PEER_TIMEOUT' // a peer did not answer before its deadline
  | 'E_PEER_FAILED' // a peer reported failure or died
  | 'E_MESSAGE' // malformed or unexpected transport message
  | 'E_CHECKPOINT' // checkpoint missing, incomplete or corrupt
  | 'E_MIGRATION' // stage migration failed
  | 'E_PREDICTOR' // predictor file or features invalid
  | 'E_SCHEDULE' // schedule options invalid, or an instruction stream breaks a pairing/version rule
  | 'E_IO'; // other file-system failure the user can fix

export class DynpipeError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'DynpipeError';
  }
}

export function isDynpipeError(e: unknown, code?: ErrorCode): e is DynpipeError {
  return e instanceof DynpipeError && (code === undefined || e.code === code);
}

/** Throws `E_USAGE`-style errors lazily: `check(n > 0, 'E_USAGE', () => \`--ranks must be > 0, got ${n}\`)`. */
export function check(cond: unknown, code: ErrorCode, message: () => string): asserts cond {
  if (!cond) throw new DynpipeError(code, message());
}

/**
 * `text` fit for quoting inside a one-line error message: line breaks become a visible `\n`, and
 * anything past `max` characters is cut (with an ellipsis), so hostile input cannot flood a log.
 */
export function oneLine(text: string, max = 200): string {
  const flat = text.replace(/\r?\n|\r/g, '\\n');
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
