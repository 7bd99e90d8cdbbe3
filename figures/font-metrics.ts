/**
 * Advance widths of a TrueType font, read from its `head`, `hhea`, `hmtx` and `cmap` (format 4)
 * tables. vega without a canvas guesses every character as 0.8 em wide, which makes layouts far
 * wider than the text resvg then draws; with these widths labels, legends and titles are placed
 * where DejaVu actually puts them. Pure: bytes in, widths out (kerning is ignored).
 */
import { DynpipeError } from '../runtime/errors.js';

export interface FontMetrics {
  /** Width in px of `text` set at `fontSize` px. */
  width(text: string, fontSize: number): number;
}

function tableOffsets(font: Buffer, source: string): Map<string, number> {
  if (font.length < 12) throw new DynpipeError('E_IO', `${source}: not a TrueType font (too short)`);
  const count = font.readUInt16BE(4);
  const tables = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const entry = 12 + 16 * i;
    tables.set(font.toString('latin1', entry, entry + 4), font.readUInt32BE(entry + 8));
  }
  for (const name of ['head', 'hhea', 'hmtx', 'cmap']) {
    if (!tables.has(name)) throw new DynpipeError('E_IO', `${source}: TrueType font has no '${name}' table`);
  }
  return tables;
}

/** Glyph index of each BMP code point, from the Unicode BMP (3, 1) cmap subtable of format 4. */
function glyphIndexer(font: Buffer, cmap: number, source: string): (codePoint: number) => number {
  const subtables = font.readUInt16BE(cmap + 2);
  for (let i = 0; i < subtables; i++) {
    const record = cmap + 4 + 8 * i;
    const sub = cmap + font.readUInt32BE(record + 4);
    if (font.readUInt16BE(record) !== 3 || font.readUInt16BE(record + 2) !== 1 || font.readUInt16BE(sub) !== 4) continue;
    const segments = font.readUInt16BE(sub + 6) / 2;
    const ends = sub + 14;
    const starts = ends + 2 * segments + 2;
    const deltas = starts + 2 * segments;
    const rangeOffsets = deltas + 2 * segments;
    return (c) => {
      for (let s = 0; s < segments; s++) {
        if (c > font.readUInt16BE(ends + 2 * s)) continue;
        const start = font.readUInt16BE(starts + 2 * s);
        if (c < start) return 0;
        const delta = font.readUInt16BE(deltas + 2 * s);
        const rangeOffset = font.readUInt16BE(rangeOffsets + 2 * s);
        if (rangeOffset === 0) return (c + delta) & 0xffff;
        const glyph = font.readUInt16BE(rangeOffsets + 2 * s + rangeOffset + 2 * (c - start));
        return glyph === 0 ? 0 : (glyph + delta) & 0xffff;
      }
      return 0;
    };
  }
  throw new DynpipeError('E_IO', `${source}: TrueType font has no Unicode BMP (format 4) cmap`);
}

/** Reads the advance widths of a TrueType font file's bytes; `source` names it in errors. */
export function readFontMetrics(font: Buffer, source: string): FontMetrics {
  const tables = tableOffsets(font, source);
  const unitsPerEm = font.readUInt16BE(tables.get('head')! + 18);
  const longMetrics = font.readUInt16BE(tables.get('hhea')! + 34);
  const hmtx = tables.get('hmtx')!;
  const glyphOf = glyphIndexer(font, tables.get('cmap')!, source);
  const advance = (glyph: number) => font.readUInt16BE(hmtx + 4 * Math.min(glyph, longMetrics - 1));
  const cache = new Map<number, number>();
  const units = (codePoint: number): number => {
    let u = cache.get(codePoint);
    if (u === undefined) {
      u = advance(codePoint > 0xffff ? 0 : glyphOf(codePoint));
      cache.set(codePoint, u);
    }
    return u;
  };
  return {
    width(text, fontSize) {
      let total = 0;
      for (const ch of text) total += units(ch.codePointAt(0)!);
      return (total * fontSize) / unitsPerEm;
    },
  };
}
