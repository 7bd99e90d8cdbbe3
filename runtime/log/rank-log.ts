/**
 * THE per-rank log format, written by workers and the simulator and read by summaries and figures.
 * One CSV file per rank (`rank-<r>.csv`), header first, one row per line, columns in
 * RANK_LOG_COLUMNS order. A cell is empty exactly when the field is absent from the row object, so
 * `parseRow(printRow(r))` deep-equals `RankLogRowSchema.parse(r)`.
 *
 * Row kinds and what their `time_ms` (ms since job start, one clock for the whole job) means:
 *  - step: one microbatch finished on this rank (forward, backward and optimizer all done); time_ms
 *    is when it finished. The step's wall time is forward + backward + recv_wait + send_wait +
 *    optimizer. `loss` only on the last stage. `samples_per_s`: this rank's share of the
 *    microbatch divided by the step's wall time. `microbatch` is a job-wide microbatch index;
 *    `iteration` the optimizer step it belongs to.
 *  - repartition: this rank paused for `pause_ms` from time_ms to move to plan `plan_version`
 *    (the new version), whose blocks per stage are `new_partition` (was `old_partition`).
 *  - eval: an evaluation finished at time_ms, logged by the rank that computes the metric; at
 *    least one of `accuracy` (fraction in [0, 1]) and `loss`.
 *  - interference: a window of `level` interference on this rank starts at time_ms and lasts
 *    `duration_ms`; `predicted_slowdown` is the predictor's compute-time multiplier, if any.
 * `detail` (free text, one line) may accompany any row. Columns a kind does not use must be empty.
 */
import { parse, type Info } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { DynpipeError, oneLine as quoteOneLine } from '../errors.js';

export const RANK_LOG_COLUMNS = [
  'row',
  'time_ms',
  'rank',
  'stage',
  'plan_version',
  'iteration',
  'microbatch',
  'forward_ms',
  'backward_ms',
  'recv_wait_ms',
  'send_wait_ms',
  'optimizer_ms',
  'loss',
  'samples_per_s',
  'pause_ms',
  'old_partition',
  'new_partition',
  'accuracy',
  'duration_ms',
  'level',
  'predicted_slowdown',
  'detail',
] as const;

export type RankLogColumn = (typeof RANK_LOG_COLUMNS)[number];

/** `rank-<r>.csv`: the name of rank r's log inside a log directory. */
export function rankLogFileName(rank: number): string {
  return `rank-${rank}.csv`;
}

export const RANK_LOG_FILE_PATTERN = /^rank-(0|[1-9]\d*)\.csv$/;

const DECIMAL = /^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** A CSV cell holding a decimal becomes a number; anything else is left for zod to reject. */
function cellNumber(v: unknown): unknown {
  return typeof v === 'string' && DECIMAL.test(v) ? Number(v) : v;
}

/** "3-4-4-5" becomes [3, 4, 4, 5]: blocks per stage, stage 0 first. */
function cellPartition(v: unknown): unknown {
  return typeof v === 'string' ? v.split('-').map(cellNumber) : v;
}

const finite = () => z.preprocess(cellNumber, z.number());
const nonNegative = () => z.preprocess(cellNumber, z.number().nonnegative());
const count = () => z.preprocess(cellNumber, z.int().nonnegative());
const partition = () => z.preprocess(cellPartition, z.array(z.int().positive()).min(1));
const oneLine = z.string().regex(/^[^\r\n]*$/, 'must be a single line');

const common = {
  time_ms: nonNegative(),
  rank: count(),
  stage: count(),
  plan_version: count(),
  detail: oneLine.optional(),
};

export const StepRowSchema = z.strictObject({
  row: z.literal('step'),
  ...common,
  iteration: count(),
  microbatch: count(),
  forward_ms: nonNegative(),
  backward_ms: nonNegative(),
  recv_wait_ms: nonNegative(),
  send_wait_ms: nonNegative(),
  optimizer_ms: nonNegative(),
  loss: finite().optional(),
  samples_per_s: nonNegative(),
});

export const RepartitionRowSchema = z.strictObject({
  row: z.literal('repartition'),
  ...common,
  iteration: count().optional(),
  pause_ms: nonNegative(),
  old_partition: partition(),
  new_partition: partition(),
});

export const EvalRowSchema = z
  .strictObject({
    row: z.literal('eval'),
    ...common,
    iteration: count().optional(),
    accuracy: z.preprocess(cellNumber, z.number().min(0).max(1)).optional(),
    loss: finite().optional(),
  })
  .refine((r) => r.accuracy !== undefined || r.loss !== undefined, { message: 'an eval row needs accuracy or loss', path: ['accuracy'] });

export const InterferenceLevelSchema = z.enum(['light', 'heavy']);
export type InterferenceLevel = z.infer<typeof InterferenceLevelSchema>;

export const InterferenceRowSchema = z.strictObject({
  row: z.literal('interference'),
  ...common,
  duration_ms: z.preprocess(cellNumber, z.number().positive()),
  level: InterferenceLevelSchema,
  predicted_slowdown: z.preprocess(cellNumber, z.number().positive()).optional(),
});

/** Empty cells (and empty strings) mean "absent", so typed rows and CSV records validate alike. */
function dropEmptyCells(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
  return Object.fromEntries(Object.entries(v).filter(([, cell]) => cell !== '' && cell !== undefined));
}

/** Validates a typed row or a CSV record (column name -> cell text). */
export const RankLogRowSchema = z.preprocess(
  dropEmptyCells,
  z.discriminatedUnion('row', [StepRowSchema, RepartitionRowSchema, EvalRowSchema, InterferenceRowSchema]),
);

export type StepRow = z.infer<typeof StepRowSchema>;
export type RepartitionRow = z.infer<typeof RepartitionRowSchema>;
export type EvalRow = z.infer<typeof EvalRowSchema>;
export type InterferenceRow = z.infer<typeof InterferenceRowSchema>;
export type RankLogRow = z.infer<typeof RankLogRowSchema>;
export type RankLogRowKind = RankLogRow['row'];

/** One line naming the first problem: `where: column <name>: <problem>, got <cell>`. */
function describeRowIssue(error: z.ZodError, value: unknown, where: string): string {
  const issue = error.issues[0];
  const cells = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const kind = typeof cells.row === 'string' ? cells.row : '?';
  if (issue.code === 'unrecognized_keys') return `${where}: column ${issue.keys.join(', ')} must be empty on a '${kind}' row`;
  const column = issue.path.length ? String(issue.path[0]) : '(row)';
  if (column === 'row') return `${where}: column row: expected step, repartition, eval or interference, got '${String(cells.row ?? '')}'`;
  const cell = cells[column];
  if (cell === undefined || cell === '') {
    const problem = issue.code === 'invalid_type' ? `required on a '${kind}' row` : issue.message;
    return `${where}: column ${column}: ${problem}, got an empty cell`;
  }
  const problem = issue.code === 'invalid_type' ? `expected a ${issue.expected}` : issue.message;
  return `${where}: column ${column}: ${problem}, got '${Array.isArray(cell) ? cell.join('-') : String(cell)}'`;
}

/** Validates one row; throws E_LOG_PARSE naming `where` (e.g. `rank-1.csv:7`) and the column. */
export function validateRow(value: unknown, where = 'row'): RankLogRow {
  const r = RankLogRowSchema.safeParse(value);
  if (!r.success) throw new DynpipeError('E_LOG_PARSE', quoteOneLine(describeRowIssue(r.error, value, where), 500));
  return r.data;
}

/** The CSV header line, newline-terminated. */
export function printHeader(): string {
  return stringify([RANK_LOG_COLUMNS as readonly string[] as string[]]);
}

function cellText(value: unknown): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.join('-');
  return String(value);
}

/** One validated row as one newline-terminated CSV line, cells in RANK_LOG_COLUMNS order. */
export function printRow(row: RankLogRow): string {
  const cells = row as Record<string, unknown>;
  return stringify([RANK_LOG_COLUMNS.map((c) => cellText(cells[c]))]);
}

function recordOf(cells: readonly string[], where: string): Record<string, string> {
  if (cells.length !== RANK_LOG_COLUMNS.length) {
    throw new DynpipeError('E_LOG_PARSE', `${where}: expected ${RANK_LOG_COLUMNS.length} cells, got ${cells.length}`);
  }
  return Object.fromEntries(RANK_LOG_COLUMNS.map((c, i) => [c, cells[i]]));
}

/** A CSV record with its position; `info.lines` is the line the record ends on (rows are one line). */
type LocatedRecord = { record: string[]; info: Info };

function parseCsv(text: string, where: string): LocatedRecord[] {
  try {
    // csv-parse's typings omit the { record, info } shape that `info: true` produces.
    return parse(text, { info: true, skip_empty_lines: true, relax_column_count: true }) as unknown as LocatedRecord[];
  } catch (e) {
    const line = (e as { lines?: number }).lines;
    throw new DynpipeError('E_LOG_PARSE', `${where}${line ? `:${line}` : ''}: ${quoteOneLine((e as Error).message)}`, { cause: e });
  }
}

/** Parses one CSV line (as printed by printRow) back into a row. */
export function parseRow(line: string, where = 'row'): RankLogRow {
  const records = parseCsv(line, where);
  if (records.length !== 1) throw new DynpipeError('E_LOG_PARSE', `${where}: expected one CSV row, got ${records.length}`);
  return validateRow(recordOf(records[0].record, where), where);
}

/**
 * Parses a whole rank log: the header, then rows in file order. Errors name `file:line: column`.
 * When `rank` is given, every row must carry that rank (a row in the wrong file is an error).
 */
export function parseRankLog(text: string, file: string, rank?: number): RankLogRow[] {
  const records = parseCsv(text, file);
  if (records.length === 0) throw new DynpipeError('E_LOG_PARSE', `${file}:1: empty log (no header)`);
  const header = records[0].record;
  const expected = RANK_LOG_COLUMNS as readonly string[];
  const width = Math.max(header.length, expected.length);
  const bad = Array.from({ length: width }, (_, i) => i).find((i) => header[i] !== expected[i]);
  if (bad !== undefined) {
    const want = expected[bad] ?? '(end of header)';
    throw new DynpipeError('E_LOG_PARSE', `${file}:${records[0].info.lines}: header column ${bad + 1} should be '${want}', got '${quoteOneLine(header[bad] ?? '', 80)}'`);
  }
  return records.slice(1).map(({ record, info }) => {
    const where = `${file}:${info.lines}`;
    const row = validateRow(recordOf(record, where), where);
    if (rank !== undefined && row.rank !== rank) {
      throw new DynpipeError('E_LOG_PARSE', `${where}: column rank: row says rank ${row.rank}, but the file is ${rankLogFileName(rank)}`);
    }
    return row;
  });
}
