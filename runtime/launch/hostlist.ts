/**
 * Slurm host lists (`SLURM_JOB_NODELIST`): `gpu[01-04,07]`, `a,b[1-2]`, `n[001-003]-ib`,
 * `rack[1-2]-n[1-2]`. Pure: text in, host names out.
 *
 * Grammar (commas inside brackets separate ranges, commas outside separate hosts):
 *   list  := item (',' item)*
 *   item  := (text | '[' range (',' range)* ']')+        at least one character of text or a group
 *   range := digits | digits '-' digits                  lo <= hi
 *
 * Invariants, matching `scontrol show hostnames` where Slurm accepts the input:
 *  - A range is zero-padded to the width of its lower bound as written: `[08-10]` -> 08 09 10,
 *    `[8-10]` -> 8 9 10, `[1-010]` -> 1 .. 10.
 *  - Several groups in one item expand as a product, leftmost group outermost:
 *    `r[1-2]n[1-2]` -> r1n1 r1n2 r2n1 r2n2. Text after a group is a suffix (`n[1-2]-ib`).
 *  - Order and duplicates are kept as written (`x[2,1]` -> x2 x1), as Slurm does.
 * Stricter than Slurm, which skips them: empty items (`a,,b`, a trailing comma), open ranges
 * (`[1-]`), whitespace, and more than MAX_HOSTS hosts are errors (E_USAGE naming the list).
 */
import { DynpipeError } from '../errors.js';

/** Upper bound on an expansion, so a typo such as `n[1-999999999]` fails fast instead of hanging. */
export const MAX_HOSTS = 65536;

interface Range {
  lo: number;
  hi: number;
  width: number;
}

/** One comma-separated item: literal text and bracket groups, in order. */
type Part = { kind: 'text'; text: string } | { kind: 'group'; ranges: Range[] };

function fail(list: string, reason: string): never {
  throw new DynpipeError('E_USAGE', `host list '${list}': ${reason}`);
}

function parseRange(list: string, text: string): Range {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!m) fail(list, `'${text}' is not a number or a range lo-hi`);
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi)) fail(list, `range '${text}' has too many digits`);
  if (hi < lo) fail(list, `range '${text}' ends below its start`);
  return { lo, hi, width: m[1].length };
}

/** Splits `list` at top-level commas into items of parts; every syntax error is reported here. */
function parse(list: string): Part[][] {
  if (list === '') fail(list, 'is empty');
  if (/\s/.test(list)) fail(list, 'contains whitespace');
  const items: Part[][] = [];
  let parts: Part[] = [];
  let text = '';
  const endItem = (at: number) => {
    if (text !== '') parts.push({ kind: 'text', text });
    if (parts.length === 0) fail(list, `empty host name at column ${at + 1}`);
    items.push(parts);
    parts = [];
    text = '';
  };
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c === ',') {
      endItem(i);
    } else if (c === '[') {
      const close = list.indexOf(']', i + 1);
      if (close < 0) fail(list, `'[' at column ${i + 1} is never closed`);
      const body = list.slice(i + 1, close);
      if (body.includes('[')) fail(list, `nested '[' at column ${i + 2 + body.indexOf('[')}`);
      if (body === '') fail(list, `empty brackets at column ${i + 1}`);
      if (text !== '') parts.push({ kind: 'text', text });
      text = '';
      parts.push({ kind: 'group', ranges: body.split(',').map((r) => parseRange(list, r)) });
      i = close;
    } else if (c === ']') {
      fail(list, `']' at column ${i + 1} has no matching '['`);
    } else {
      text += c;
    }
  }
  endItem(list.length);
  return items;
}

function groupSize(ranges: readonly Range[]): number {
  return ranges.reduce((n, r) => n + (r.hi - r.lo + 1), 0);
}

function itemSize(parts: readonly Part[]): number {
  return parts.reduce((n, p) => (p.kind === 'group' ? n * groupSize(p.ranges) : n), 1);
}

function* groupValues(ranges: readonly Range[]): Generator<string> {
  for (const r of ranges) for (let v = r.lo; v <= r.hi; v++) yield String(v).padStart(r.width, '0');
}

/** The product of an item's groups, leftmost group outermost. */
function* expandItem(parts: readonly Part[], from = 0, prefix = ''): Generator<string> {
  if (from === parts.length) {
    yield prefix;
    return;
  }
  const p = parts[from];
  if (p.kind === 'text') {
    yield* expandItem(parts, from + 1, prefix + p.text);
  } else {
    for (const v of groupValues(p.ranges)) yield* expandItem(parts, from + 1, prefix + v);
  }
}

/** Every host of a Slurm host list, in Slurm's order. Throws E_USAGE on malformed or oversized lists. */
export function expandHostlist(list: string): string[] {
  const items = parse(list);
  const total = items.reduce((n, parts) => n + itemSize(parts), 0);
  if (total > MAX_HOSTS) fail(list, `expands to ${total} hosts, more than ${MAX_HOSTS}`);
  return items.flatMap((parts) => [...expandItem(parts)]);
}

/** The first host of a Slurm host list (where Slurm places task 0 by default), without expanding the rest. */
export function firstHost(list: string): string {
  const items = parse(list);
  return expandItem(items[0]).next().value as string;
}
