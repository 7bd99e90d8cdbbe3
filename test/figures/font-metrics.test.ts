import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import { readFontMetrics } from '../../figures/font-metrics.js';
import { DEJAVU_FACES } from '../../figures/fonts.js';
import { isDynpipeError } from '../../runtime/errors.js';

/** Ink width resvg draws `text` with, in px at 100 px: an independent measure of the same font. */
function inkWidth(text: string, fontFile: string, weight: string): number {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="3000" height="200"><text x="10" y="120" font-family="DejaVu Sans" font-weight="${weight}" font-size="100">${text}</text></svg>`;
  const box = new Resvg(svg, { font: { loadSystemFonts: false, fontFiles: [fontFile], defaultFontFamily: 'DejaVu Sans' } }).getBBox();
  assert.ok(box, `resvg drew nothing for '${text}'`);
  return box.width;
}

describe('font metrics', () => {
  it('gives advance widths close to what resvg draws (advance = ink + side bearings)', () => {
    for (const [file, weight] of [
      [DEJAVU_FACES.regular, 'normal'],
      [DEJAVU_FACES.bold, 'bold'],
    ] as const) {
      const metrics = readFontMetrics(readFileSync(file), file);
      for (const text of ['Throughput (samples/s)', 'MMMMMMMMMM', 'iiiiiiiiii', '0123456789', 'slowdown (×)']) {
        const advance = metrics.width(text, 100);
        const ink = inkWidth(text, file, weight);
        assert.ok(advance >= ink && advance <= ink + 30, `${weight} '${text}': advance ${advance} vs ink ${ink}`);
      }
      assert.equal(metrics.width('ab', 24), metrics.width('a', 24) + metrics.width('b', 24));
      assert.equal(metrics.width('a', 24), 2 * metrics.width('a', 12));
    }
  });

  it('names the file when the bytes are not a TrueType font', () => {
    assert.throws(() => readFontMetrics(Buffer.from('not a font'), 'x.ttf'), (e: unknown) => isDynpipeError(e, 'E_IO') && e.message.startsWith('x.ttf: not a TrueType font'));
  });
});
