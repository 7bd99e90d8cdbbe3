/**
 * Model arguments: each model declares its arguments with defaults and bounds, and
 * `resolveArgs` turns what a user gave (plan file, CLI) into a complete, checked record — the
 * `ModelSpec.args` that rebuilds the model exactly. Unknown keys are errors, never ignored.
 */
import { DynpipeError } from '../errors.js';

export type ArgValue = number | string | boolean;

export type ArgSpec =
  | { kind: 'int'; default: number; min: number; max?: number }
  | { kind: 'number'; default: number; min: number; max?: number }
  | { kind: 'enum'; default: string; values: readonly string[] };

export type ArgSpecs = Readonly<Record<string, ArgSpec>>;

/** The resolved arguments of a spec: numbers for int/number args, strings for enums. */
export type ResolvedArgs<S extends ArgSpecs> = { [K in keyof S]: S[K] extends { kind: 'enum' } ? string : number };

function describe(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}

export function resolveArgs<S extends ArgSpecs>(model: string, specs: S, given: Readonly<Record<string, ArgValue>> = {}): ResolvedArgs<S> {
  const bad = (msg: string) => new DynpipeError('E_MODEL', `model ${model}: ${msg}`);
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(specs, key)) {
      throw bad(`unknown argument '${key}' (known: ${Object.keys(specs).join(', ')})`);
    }
  }
  const out: Record<string, ArgValue> = {};
  for (const [key, spec] of Object.entries(specs)) {
    const value = Object.hasOwn(given, key) ? given[key] : spec.default;
    if (spec.kind === 'enum') {
      if (typeof value !== 'string' || !spec.values.includes(value)) {
        throw bad(`argument '${key}' must be one of ${spec.values.join('|')}, got ${describe(value)}`);
      }
    } else {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw bad(`argument '${key}' must be a number, got ${describe(value)}`);
      if (spec.kind === 'int' && !Number.isInteger(value)) throw bad(`argument '${key}' must be an integer, got ${value}`);
      if (value < spec.min || (spec.max !== undefined && value > spec.max)) {
        throw bad(`argument '${key}' must be in [${spec.min}, ${spec.max ?? 'inf'}], got ${value}`);
      }
    }
    out[key] = value;
  }
  return out as ResolvedArgs<S>;
}

/**
 * Parses `key=value,key=value` (as a CLI flag would carry it) into typed values: numbers where
 * the text is a number, true/false as booleans, anything else as a string.
 */
export function parseArgList(text: string): Record<string, ArgValue> {
  const out: Record<string, ArgValue> = {};
  for (const part of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new DynpipeError('E_MODEL', `model argument '${part}' is not key=value`);
    const key = part.slice(0, eq).trim();
    const raw = part.slice(eq + 1).trim();
    if (Object.hasOwn(out, key)) throw new DynpipeError('E_MODEL', `model argument '${key}' is given twice`);
    out[key] = raw === 'true' ? true : raw === 'false' ? false : raw !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  return out;
}
