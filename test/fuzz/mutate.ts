/**
 * Mutation arbitraries for the parser fuzz suite: each starts from a valid input and applies one
 * to four random edits, so the result is mostly well-formed and reaches the validation deep inside
 * a parser (random bytes alone rarely get past the first check). Three families: text (character
 * and line edits), JSON-like values (structural edits at any node) and bytes (bit flips, cuts,
 * extensions, overwritten words).
 */
import fc from 'fast-check';

/** Short strings that break parsers: separators, quotes, odd numbers, control and astral characters. */
const TOKENS = [',', '"', "'", '\n', '\r\n', '\t', '{', '}', '[', ']', ':', ' -- ', '-1', '0', '1e999', '-0', 'NaN', 'Infinity', 'null', 'true', '0x1F', '\u0000', '\uffff', '\ud800', '💥', '9'.repeat(400), '__proto__'];

const token: fc.Arbitrary<string> = fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 8 }));

type TextEdit = (s: string) => string;

const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(64)).map(([at, n]): TextEdit => (s) => {
    const i = Math.floor(at * s.length);
    return s.slice(0, i) + s.slice(i + n);
  }),
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), token).map(([at, t]): TextEdit => (s) => {
    const i = Math.floor(at * s.length);
    return s.slice(0, i) + t + s.slice(i);
  }),
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(12), token).map(([at, n, t]): TextEdit => (s) => {
    const i = Math.floor(at * s.length);
    return s.slice(0, i) + t + s.slice(i + n);
  }),
  fc.double({ min: 0, max: 1, noNaN: true }).map((at): TextEdit => (s) => s.slice(0, Math.floor(at * s.length))),
  fc.tuple(fc.nat(), fc.nat()).map(([a, b]): TextEdit => (s) => {
    const lines = s.split('\n');
    const i = a % lines.length;
    const j = b % lines.length;
    [lines[i], lines[j]] = [lines[j], lines[i]];
    return lines.join('\n');
  }),
  fc.nat().map((a): TextEdit => (s) => {
    const lines = s.split('\n');
    const i = a % lines.length;
    lines.splice(i, 0, lines[i]);
    return lines.join('\n');
  }),
);

/** `valid` after one to four text edits. */
export function mutatedText(valid: string): fc.Arbitrary<string> {
  return fc.array(textEdit, { minLength: 1, maxLength: 4 }).map((edits) => edits.reduce((s, e) => e(s), valid));
}

type Path = Array<string | number>;

function pathsOf(v: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, [...prefix, i], out));
  else if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) for (const k of Object.keys(v)) pathsOf((v as Record<string, unknown>)[k], [...prefix, k], out);
  return out;
}

/** A copy of `v` with the node at `path` replaced by `f(old)` (undefined deletes it). Own keys only, `__proto__` included. */
function updateAt(v: unknown, path: Path, f: (old: unknown) => unknown): unknown {
  if (path.length === 0) return f(v);
  const [head, ...rest] = path;
  if (Array.isArray(v)) {
    const copy = [...v];
    const next = updateAt(copy[head as number], rest, f);
    if (next === undefined) copy.splice(head as number, 1);
    else copy[head as number] = next;
    return copy;
  }
  const copy: Record<string, unknown> = {};
  for (const k of Object.keys(v as object)) {
    const value = k === head ? updateAt((v as Record<string, unknown>)[k], rest, f) : (v as Record<string, unknown>)[k];
    if (value !== undefined) Object.defineProperty(copy, k, { value, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

/** Values that break validators: wrong types, edge numbers, huge and empty containers, prototype keys. */
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(-1, 0, 0.5, 1e308, -1e308, 2 ** 53, 2 ** 31, 4294967296, '', 'x'.repeat(5000), [], {}, null, true, false),
  fc.constant(Array.from({ length: 3000 }, (_, i) => i)),
  fc.uint8Array({ maxLength: 64 }),
);

type JsonEdit = (v: unknown) => unknown;

function jsonEdit(): fc.Arbitrary<(paths: Path[]) => JsonEdit> {
  const pick = (n: number, paths: Path[]) => paths[n % paths.length];
  return fc.oneof(
    fc.tuple(fc.nat(), oddValue).map(([n, x]) => (paths: Path[]): JsonEdit => (v) => updateAt(v, pick(n, paths), () => x)),
    fc.nat().map((n) => (paths: Path[]): JsonEdit => (v) => {
      const p = pick(n, paths);
      return p.length === 0 ? v : updateAt(v, p, () => undefined);
    }),
    fc.tuple(fc.nat(), fc.oneof(fc.constantFrom('__proto__', 'constructor', 'extra', ''), fc.string({ maxLength: 6 })), oddValue).map(([n, key, x]) => (paths: Path[]): JsonEdit => (v) =>
      updateAt(v, pick(n, paths), (old) => {
        if (old === null || typeof old !== 'object' || Array.isArray(old) || old instanceof Uint8Array) return old;
        const copy = { ...(old as Record<string, unknown>) };
        Object.defineProperty(copy, key, { value: x, enumerable: true, writable: true, configurable: true });
        return copy;
      })),
    fc.nat().map((n) => (paths: Path[]): JsonEdit => (v) => updateAt(v, pick(n, paths), (old) => [old])),
    fc.nat().map((n) => (paths: Path[]): JsonEdit => (v) => updateAt(v, pick(n, paths), (old) => (Array.isArray(old) ? [...old, ...old] : old))),
  );
}

/** `valid` (a JSON-like value; Uint8Array leaves allowed) after one to three structural edits. */
export function mutatedJson(valid: unknown): fc.Arbitrary<unknown> {
  return fc.array(jsonEdit(), { minLength: 1, maxLength: 3 }).map((edits) => edits.reduce((v, e) => e(pathsOf(v))(v), valid));
}

type ByteEdit = (b: Uint8Array) => Uint8Array;

const byteEdit: fc.Arbitrary<ByteEdit> = fc.oneof(
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })).map(([at, bit]): ByteEdit => (b) => {
    if (b.length === 0) return b;
    const c = Uint8Array.from(b);
    c[at % c.length] ^= 1 << bit;
    return c;
  }),
  fc.double({ min: 0, max: 1, noNaN: true }).map((at): ByteEdit => (b) => b.slice(0, Math.floor(at * b.length))),
  fc.uint8Array({ maxLength: 32 }).map((extra): ByteEdit => (b) => Uint8Array.from([...b, ...extra])),
  fc.tuple(fc.nat(), fc.nat(16)).map(([at, n]): ByteEdit => (b) => (b.length === 0 ? b : Uint8Array.from([...b.subarray(0, at % b.length), ...b.subarray((at % b.length) + n)]))),
  fc.tuple(fc.nat(), fc.constantFrom(0x00000000, 0xffffffff, 0x7fffffff, 0x80000000, 0x00000001)).map(([at, word]): ByteEdit => (b) => {
    if (b.length < 4) return b;
    const c = Uint8Array.from(b);
    new DataView(c.buffer).setUint32(at % (c.length - 3), word, false);
    return c;
  }),
);

/** `valid` after one to four byte edits. */
export function mutatedBytes(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.array(byteEdit, { minLength: 1, maxLength: 4 }).map((edits) => edits.reduce((b, e) => e(b), valid));
}
