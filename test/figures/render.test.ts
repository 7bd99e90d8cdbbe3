import { strict as assert } from 'node:assert';
import type { TopLevelSpec } from 'vega-lite';
import { DEJAVU_FONT_FILES, missingFonts } from '../../figures/fonts.js';
import { DEFAULT_PNG_OPTIONS, specToSvg, svgToPng } from '../../figures/render.js';
import { markItems, pngSize, svgSize } from './svg.js';

const SPEC: TopLevelSpec = {
  width: 200,
  height: 100,
  title: 'Two bars',
  data: { values: [{ k: 'a', v: 1 }, { k: 'b', v: 3 }] },
  mark: 'bar',
  name: 'bars',
  encoding: { x: { field: 'k', type: 'nominal' }, y: { field: 'v', type: 'quantitative', title: 'v (ms)' } },
};

describe('figure rendering', () => {
  it('renders SVG without a browser and a PNG of scale x its size', async () => {
    const svg = await specToSvg(SPEC);
    assert.equal(markItems(svg, 'bars_marks').length, 2);
    const { width, height } = svgSize(svg);
    assert.deepEqual(pngSize(svgToPng(svg, { ...DEFAULT_PNG_OPTIONS, scale: 1 })), { width, height });
    assert.deepEqual(pngSize(svgToPng(svg, { ...DEFAULT_PNG_OPTIONS, scale: 2 })), { width: 2 * width, height: 2 * height });
  });

  it('draws text with the DejaVu files (the PNG changes without them)', async () => {
    assert.deepEqual(missingFonts(DEJAVU_FONT_FILES), [], 'install fonts-dejavu-core');
    assert.deepEqual(missingFonts(['/no/such/font.ttf']), ['/no/such/font.ttf']);
    const svg = await specToSvg(SPEC);
    const withFonts = svgToPng(svg, { fontFiles: DEJAVU_FONT_FILES, scale: 1 });
    const withoutFonts = svgToPng(svg, { fontFiles: [], scale: 1 });
    assert.notDeepEqual(withFonts, withoutFonts);
  });
});
