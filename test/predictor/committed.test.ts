import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { labeled, parseDataset } from '../../predictor/dataset.js';
import { SlowdownForest } from '../../predictor/forest.js';
import { repoRoot } from '../profile/fixture-path.js';

/**
 * The committed dataset and forest (configs/predictor/README.md) must keep loading: a change to the
 * feature list or the file formats that orphans them fails here, not in the lead's hands.
 */
describe('committed predictor dataset and forest', () => {
  it('parse, agree on their size, and predict finite slowdowns for the dataset rows', () => {
    const dataPath = join(repoRoot, 'profile/data/predictor-wasm-2core.csv.gz');
    const rows = parseDataset(gunzipSync(readFileSync(dataPath)).toString('utf8'), dataPath);
    assert.equal(rows.length, 40 * 16 * 16); // mixes x targets x observers
    assert.equal(new Set(rows.map((r) => r.mix)).size, 40);
    const forestPath = join(repoRoot, 'configs/predictor/forest-wasm-2core.json');
    const forest = SlowdownForest.fromJSON(JSON.parse(readFileSync(forestPath, 'utf8')), forestPath);
    assert.equal(forest.trainedRows, rows.length);
    const predicted = forest.predict(labeled(rows.filter((_, i) => i % 97 === 0)).map((r) => r.x));
    assert.ok(predicted.every((p) => Number.isFinite(p) && p > 0), JSON.stringify(predicted));
  });

  // Collected on the GPU node (bench/gpu-node-collect.sh): mixes come from the merged lane files,
  // so the counts are read from the data and checked against what each forest says it saw.
  for (const [data, forestFile] of [
    ['predictor-wasm-xeon16.csv.gz', 'forest-wasm-xeon16.json'],
    ['predictor-webgpu-h100.csv.gz', 'forest-webgpu-h100.json'],
  ] as const) {
    it(`${data} and ${forestFile} parse, agree on their size, and predict finite slowdowns`, () => {
      const dataPath = join(repoRoot, 'profile/data', data);
      const rows = parseDataset(gunzipSync(readFileSync(dataPath)).toString('utf8'), dataPath);
      assert.ok(rows.length > 0);
      const forestPath = join(repoRoot, 'configs/predictor', forestFile);
      const forest = SlowdownForest.fromJSON(JSON.parse(readFileSync(forestPath, 'utf8')), forestPath);
      assert.equal(forest.trainedRows, rows.length);
      const predicted = forest.predict(labeled(rows.filter((_, i) => i % 211 === 0)).map((r) => r.x));
      assert.ok(predicted.every((p) => Number.isFinite(p) && p > 0), JSON.stringify(predicted.slice(0, 5)));
    });
  }
});
