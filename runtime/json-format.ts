/**
 * The one way dynpipe's JSON file formats (plan, profile, run summary) are read: JSON.parse, then
 * a zod schema; any failure is one DynpipeError line `source: field.path: problem (+N more)`. The
 * problem may quote the file's own text (an unknown key, a JSON syntax error's context), so it is
 * passed through `oneLine`: hostile input cannot break the line or flood a log.
 */
import type { z } from 'zod';
import { DynpipeError, oneLine, type ErrorCode } from './errors.js';

/** `field.path: message (+N more)` for the first issue of a failed parse. */
export function describeZodIssues(error: z.ZodError): string {
  const first = error.issues[0];
  const path = first.path.length ? first.path.join('.') : '(root)';
  const more = error.issues.length > 1 ? ` (+${error.issues.length - 1} more)` : '';
  return `${oneLine(`${path}: ${first.message}`, 500)}${more}`;
}

export function validateWith<S extends z.ZodType>(schema: S, value: unknown, code: ErrorCode, source: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new DynpipeError(code, `${source}: ${describeZodIssues(r.error)}`);
  return r.data;
}

export function parseJsonWith<S extends z.ZodType>(schema: S, text: string, code: ErrorCode, source: string): z.infer<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new DynpipeError(code, `${source}: not valid JSON (${oneLine((e as Error).message)})`);
  }
  return validateWith(schema, value, code, source);
}

/** Stable, human-diffable JSON ending in a newline; the inverse of parseJsonWith for valid values. */
export function printJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}
