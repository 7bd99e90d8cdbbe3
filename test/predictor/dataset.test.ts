import { strict as assert } from 'node:assert';
import { DATASET_COLUMNS, labeled, parseDataset, printDataset, roundMeasured, roundSignificant, type DatasetRow } from '../../predictor/dataset.js';
import { FEATURES, staticFeatures, toVector } from '../../predictor/features.js';
import { isDynpipeError } from '../../runtime/errors.js';
import { quietDevice, tinySpec } from './fixtures.js';

function row(mix: string, slowdown: number, gpuUtil: number | null): DatasetRow {
  return {
    mix,
    repeat: 1,
    target: 'tiny/0-2/b4',
    observer: 'tiny/2-4/b4',
    interferedMs: 12.5 * slowdown,
    static: staticFeatures(tinySpec(), 0, 2, 4, 12.5),
    device: { ...quietDevice(), cpu_peer: 1 / 3, gpu_util: gpuUtil },
    slowdown,
  };
}

describe('predictor dataset CSV', () => {
  it('round-trips rows exactly, nulls included, and appends without a second header', () => {
    const rows = [row('cpu:1@0', 1.9, null), row('cpu:0.5@0,1+membw:1@*', 1.0 / 3 + 1, 0.75)];
    const text = printDataset(rows.slice(0, 1), true) + printDataset(rows.slice(1), false);
    assert.deepEqual(parseDataset(text, 'd.csv'), rows);
  });

  it('rounds measured numbers to significant digits and leaves model-derived ones exact', () => {
    const base = row('none', 1.23456789, 0.123456);
    const r = { ...base, interferedMs: 0.000123456, static: { ...base.static, alone_ms: 12.345678 } };
    const rounded = roundMeasured(r, 4);
    assert.deepEqual([rounded.slowdown, rounded.static.alone_ms, rounded.interferedMs, rounded.device.gpu_util, rounded.device.cpu_peer], [1.235, 12.35, 0.0001235, 0.1235, 0.3333]);
    assert.equal(rounded.static.flops_per_byte, r.static.flops_per_byte);
    assert.equal(rounded.device.gpu_procs, null);
    assert.deepEqual(parseDataset(printDataset([rounded], true), 'd.csv'), [rounded]);
    assert.deepEqual([roundSignificant(0, 3), roundSignificant(-987.65, 2)], [0, -990]);
  });

  it('documents every column with its unit in the header comment', () => {
    // Regression: a meta column once shared its name with the alone_ms feature, so the header held
    // 'alone_ms' twice and a round trip read one column into both fields.
    assert.equal(new Set(DATASET_COLUMNS).size, DATASET_COLUMNS.length);
    const text = printDataset([], true);
    for (const f of FEATURES) assert.ok(text.includes(`# ${f.name} [${f.unit}]`), f.name);
    assert.ok(text.includes('# slowdown [x]'));
    assert.equal(text.trimEnd().split('\n').at(-1), DATASET_COLUMNS.join(','));
  });

  it('names file, line and field of a bad value', () => {
    const text = printDataset([row('none', 1, null)], true);
    const lines = text.split('\n');
    const dataLine = lines.findIndex((l) => l.startsWith('none,'));
    const broken = [...lines];
    broken[dataLine] = broken[dataLine].replace(/,1$/, ',fast');
    assert.throws(
      () => parseDataset(broken.join('\n'), 'd.csv'),
      (e: unknown) => isDynpipeError(e, 'E_DATA') && e.message === `d.csv:${dataLine + 1}: slowdown: expected a number, got 'fast'`,
    );
    assert.throws(() => parseDataset('mix,repeat\nnone,0\n', 'd.csv'), (e: unknown) => isDynpipeError(e, 'E_DATA') && /^d\.csv: header: missing column\(s\) target/.test(e.message));
  });

  it('labels rows with their mix as the group and tags whether the observer ran the target', () => {
    const r = row('gpu:1@0', 1.5, 0.9);
    assert.deepEqual(labeled([r]), [{ group: 'gpu:1@0', x: toVector(r.static, r.device), y: 1.5, tag: 'observer != target' }]);
    assert.equal(labeled([{ ...r, observer: r.target }])[0].tag, 'observer = target');
  });
});
