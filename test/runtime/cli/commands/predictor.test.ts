import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { printDataset, type DatasetRow } from '../../../../predictor/dataset.js';
import { fromVector, staticFeatures } from '../../../../predictor/features.js';
import { buildModel } from '../../../../runtime/models/zoo.js';
import { SlowdownForest } from '../../../../predictor/forest.js';
import { syntheticRows } from '../../../predictor/fixtures.js';

const DYNPIPE = fileURLToPath(new URL('../../../../runtime/cli/dynpipe.js', import.meta.url));

function dynpipe(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [DYNPIPE, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('dynpipe predictor train|eval|predict', function () {
  this.timeout(60000);
  const dir = mkdtempSync(join(tmpdir(), 'dynpipe-predictor-'));
  const data = join(dir, 'data.csv');
  const synthetic = syntheticRows(24, 4, 31);
  const rows: DatasetRow[] = synthetic.map((r, i) => {
    const { static: s, device } = fromVector(r.x);
    return { mix: r.group, repeat: 0, target: `t${i % 4}`, observer: 't0', interferedMs: s.alone_ms * r.y, static: s, device, slowdown: r.y };
  });
  writeFileSync(data, printDataset(rows, true));
  const gz = join(dir, 'data.csv.gz');
  writeFileSync(gz, gzipSync(readFileSync(data)));

  it('evaluates on held-out mixes and reports the forest beside the baselines', () => {
    const r = dynpipe('predictor', 'eval', '--data', data, '--trees', '5', '--test-fraction', '0.25', '--json');
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { trainGroups: string[]; testGroups: string[]; testRows: number; forest: { mapePercent: number }; linear: { mapePercent: number }; importance: unknown[] };
    assert.equal(report.testGroups.length, 6);
    assert.equal(report.testRows, 24);
    assert.deepEqual(report.trainGroups.filter((g) => report.testGroups.includes(g)), []);
    assert.ok(Number.isFinite(report.forest.mapePercent) && Number.isFinite(report.linear.mapePercent));
    const text = dynpipe('predictor', 'eval', '--data', data, '--trees', '3');
    assert.match(text.stdout, /^random forest +\d+\.\d\d% +-?\d\.\d{3}$/m);
    assert.match(text.stdout, /^linear \(self\+peer util\) +\d+\.\d\d%/m);
  });

  it('trains a forest file whose predictions `predict` reproduces exactly', () => {
    const forestFile = join(dir, 'forest.json');
    const r = dynpipe('predictor', 'train', '--data', gz, '--out', forestFile, '--trees', '4', '--seed', '2'); // read through gunzip
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^train: 4 trees on 96 rows from 24 mixes/);
    const { static: s, device } = fromVector(synthetic[5].x);
    writeFileSync(join(dir, 's.json'), JSON.stringify(s));
    writeFileSync(join(dir, 'd.json'), JSON.stringify(device));
    const p = dynpipe('predictor', 'predict', '--forest', forestFile, '--static', join(dir, 's.json'), '--device', join(dir, 'd.json'));
    assert.equal(p.code, 0, p.stderr);
    const expected = SlowdownForest.fromJSON(JSON.parse(readFileSync(forestFile, 'utf8'))).predictOne(s, device);
    assert.equal(Number(p.stdout.trim()), expected);

    // A zoo range with its profiled time: the static features are those of the library.
    const q = dynpipe('predictor', 'predict', '--forest', forestFile, '--model', 'mlp:hidden=16,layers=1', '--range', '0:1', '--batch', '4', '--alone-ms', '2.5', '--device', join(dir, 'd.json'), '--json');
    assert.equal(q.code, 0, q.stderr);
    const answer = JSON.parse(q.stdout) as { slowdown: number; static: Record<string, number> };
    const range = staticFeatures(buildModel('mlp', { hidden: 16, layers: 1 }), 0, 1, 4, 2.5);
    assert.deepEqual(answer.static, range);
    assert.equal(answer.slowdown, SlowdownForest.fromJSON(JSON.parse(readFileSync(forestFile, 'utf8'))).predictOne(range, device));
  });

  it('fails with one line naming the file and field on bad input', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"format":"nope"}');
    const r = dynpipe('predictor', 'predict', '--forest', bad, '--static', join(dir, 's.json'), '--device', join(dir, 'd.json'));
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `dynpipe: ${bad}: format: Invalid input: expected "dynpipe-slowdown-forest"\n`);
    const broken = join(dir, 'broken.csv');
    const lines = readFileSync(data, 'utf8').split('\n');
    const first = lines.findIndex((l) => l.startsWith('mix'));
    lines[first + 2] = lines[first + 2].replace(/,[^,]+$/, ',-1');
    writeFileSync(broken, lines.join('\n'));
    const t = dynpipe('predictor', 'train', '--data', broken, '--out', join(dir, 'x.json'));
    assert.equal(t.code, 2);
    assert.match(t.stderr, new RegExp(`^dynpipe: ${broken}:${first + 3}: slowdown: expected a number > 0, got -1\\n$`));
    const u = dynpipe('predictor', 'predict', '--forest', bad, '--device', join(dir, 'd.json'));
    assert.equal(u.code, 2);
    assert.equal(u.stderr, 'dynpipe: give --model and --range (or --static)\n');
    const v = dynpipe('predictor', 'predict', '--forest', bad, '--model', 'mlp', '--range', '0:1', '--device', join(dir, 'd.json'));
    assert.equal(v.code, 2);
    assert.equal(v.stderr, "dynpipe: give the range's profiled time: --alone-ms or --profile (one of them)\n");
  });
});
