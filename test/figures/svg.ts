/** Reading rendered figures back in tests: the items of named vega marks in SVG, and PNG headers. */
import { strict as assert } from 'node:assert';

/**
 * The item elements (<path>, <line>, <text>) of every vega mark group named `name` (vega-lite names
 * a mark `<layer name>_marks`). Mark groups of rect, rule, symbol and text marks hold only items.
 */
export function markItems(svg: string, name: string): string[] {
  const items: string[] = [];
  const open = /<g class="mark-[a-z]+ role-mark ([^"]+)"[^>]*>/g;
  for (let m = open.exec(svg); m !== null; m = open.exec(svg)) {
    if (m[1] !== name) continue;
    const body = svg.slice(m.index + m[0].length, svg.indexOf('</g>', m.index));
    items.push(...(body.match(/<(path|line|text)\b[^>]*>(?:[^<]*<\/text>)?/g) ?? []));
  }
  return items;
}

/** Text content of the <text> items of mark `name`. */
export function markTexts(svg: string, name: string): string[] {
  return markItems(svg, name).map((t) => /<text[^>]*>([^<]*)<\/text>/.exec(t)?.[1] ?? '');
}

/** Number of mark groups named `name` (a line mark draws one group per series). */
export function markGroups(svg: string, name: string): number {
  return [...svg.matchAll(/<g class="mark-[a-z]+ role-mark ([^"]+)"/g)].filter((m) => m[1] === name).length;
}

/** The root <svg>'s width and height attributes. */
export function svgSize(svg: string): { width: number; height: number } {
  const m = /^<svg [^>]*width="(\d+(?:\.\d+)?)" height="(\d+(?:\.\d+)?)"/.exec(svg);
  assert.ok(m, 'SVG has no width/height on its root');
  return { width: Number(m[1]), height: Number(m[2]) };
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Checks the PNG signature and that the first chunk is IHDR; returns its width and height. */
export function pngSize(png: Buffer): { width: number; height: number } {
  assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE, 'not a PNG signature');
  assert.equal(png.toString('latin1', 12, 16), 'IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Texts of every text group of a given role, e.g. 'axis-title', 'legend-title', 'title-text'. */
export function roleTexts(svg: string, role: string): string[] {
  const out: string[] = [];
  const open = new RegExp(`<g class="mark-text role-${role}"[^>]*>`, 'g');
  for (let m = open.exec(svg); m !== null; m = open.exec(svg)) {
    const body = svg.slice(m.index + m[0].length, svg.indexOf('</g>', m.index));
    for (const t of body.matchAll(/<text[^>]*>([^<]*)<\/text>/g)) out.push(t[1]);
  }
  return out;
}
