/**
 * Reading headed CSV text into records that remember their line, so callers can report
 * `file:line: field: problem`. Lines starting with '#' are comments (units, provenance).
 */
import { parse } from 'csv-parse/sync';
import { DynpipeError, oneLine, type ErrorCode } from '../runtime/errors.js';

export interface CsvRecord {
  /** 1-based line of the record in the text. */
  line: number;
  fields: Readonly<Record<string, string>>;
}

/** Parses `text`; its header must hold every name in `columns` and nothing else. */
export function parseCsvTable(text: string, where: string, columns: readonly string[], code: ErrorCode): CsvRecord[] {
  let rows: Array<{ record: Record<string, string>; info: { lines: number } }>;
  try {
    rows = parse(text, { comment: '#', columns: true, info: true, skip_empty_lines: true, trim: true });
  } catch (e) {
    const err = e as { lines?: number; message: string };
    throw new DynpipeError(code, `${where}:${err.lines ?? '?'}: ${oneLine(err.message)}`, { cause: e });
  }
  if (rows.length > 0) {
    const header = Object.keys(rows[0].record);
    const missing = columns.filter((c) => !header.includes(c));
    const extra = header.filter((c) => !columns.includes(c));
    if (missing.length > 0) throw new DynpipeError(code, `${where}: header: missing column(s) ${missing.join(', ')}`);
    if (extra.length > 0) throw new DynpipeError(code, `${where}: header: unknown column(s) ${extra.join(', ')}`);
  }
  return rows.map((r) => ({ line: r.info.lines, fields: r.record }));
}

/** A typed reader of one record's fields that names file, line and field in every error. */
export class FieldReader {
  constructor(
    private readonly where: string,
    private readonly rec: CsvRecord,
    private readonly code: ErrorCode,
  ) {}

  fail(field: string, problem: string): never {
    throw new DynpipeError(this.code, `${this.where}:${this.rec.line}: ${field}: ${problem}`);
  }

  text(field: string): string {
    return this.rec.fields[field] ?? '';
  }

  number(field: string, min = -Infinity, max = Infinity): number {
    const raw = this.text(field);
    const x = Number(raw);
    if (raw === '' || !Number.isFinite(x)) this.fail(field, `expected a number, got '${raw}'`);
    if (x < min || x > max) this.fail(field, `expected a number in [${min}, ${max}], got ${x}`);
    return x;
  }

  positive(field: string): number {
    const x = this.number(field);
    if (!(x > 0)) this.fail(field, `expected a number > 0, got ${x}`);
    return x;
  }

  /** An empty cell reads as null. */
  nullableNumber(field: string, min = -Infinity, max = Infinity): number | null {
    return this.text(field) === '' ? null : this.number(field, min, max);
  }

  integer(field: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
    const x = this.number(field, min, max);
    if (!Number.isInteger(x)) this.fail(field, `expected an integer, got ${x}`);
    return x;
  }

  oneOf<T extends string>(field: string, allowed: readonly T[]): T {
    const raw = this.text(field);
    if (!(allowed as readonly string[]).includes(raw)) this.fail(field, `expected one of ${allowed.join('|')}, got '${raw}'`);
    return raw as T;
  }
}
