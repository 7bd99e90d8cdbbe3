import { strict as assert } from 'node:assert';
import { LINEAR_TERMS, LinearBaseline } from '../../predictor/linear.js';
import { toVector } from '../../predictor/features.js';
import { isDynpipeError } from '../../runtime/errors.js';
import { quietDevice, tinySpec } from './fixtures.js';
import { staticFeatures } from '../../predictor/features.js';
import { seededRandom } from '../../predictor/random.js';

describe('linear baseline', () => {
  const s = staticFeatures(tinySpec(), 0, 4, 1, 3);
  const random = seededRandom(5);
  const rows = Array.from({ length: 60 }, () => {
    const d = { ...quietDevice(), cpu_self: random(), cpu_peer: 2 * random(), membw_probe_gbps: 5 + 10 * random(), gpu_util: random() };
    return { x: toVector(s, d), y: 1.2 + 0.5 * d.cpu_peer + 0.3 * d.cpu_self * d.cpu_peer - 0.02 * d.membw_probe_gbps + 0.4 * d.gpu_util };
  });

  it('recovers the coefficients of a slowdown that is linear in its terms', () => {
    const m = LinearBaseline.train(rows.map((r) => r.x), rows.map((r) => r.y));
    const w = Object.fromEntries(LINEAR_TERMS.map((t, j) => [t.name, m.weights[j]]));
    const close = (a: number, b: number): boolean => Math.abs(a - b) < 1e-4;
    assert.ok(close(m.intercept, 1.2), `intercept ${m.intercept}`);
    assert.ok(close(w.cpu_peer, 0.5) && close(w['cpu_self*cpu_peer'], 0.3) && close(w.membw_probe_gbps, -0.02) && close(w.gpu_util, 0.4), JSON.stringify(w));
    assert.ok(close(w.cpu_self, 0) && close(w.cpu_util_cores, 0), JSON.stringify(w)); // cpu_util_cores is constant here
  });

  it('round-trips through JSON and refuses a file with other terms', () => {
    const m = LinearBaseline.train(rows.map((r) => r.x), rows.map((r) => r.y));
    const j = JSON.parse(JSON.stringify(m.toJSON()));
    assert.deepEqual(LinearBaseline.fromJSON(j).predict(rows.map((r) => r.x)), m.predict(rows.map((r) => r.x)));
    assert.throws(() => LinearBaseline.fromJSON({ ...j, terms: ['x'] }, 'l.json'), (e: unknown) => isDynpipeError(e, 'E_PREDICTOR') && /^l\.json: terms/.test(e.message));
    assert.throws(() => LinearBaseline.fromJSON({ ...j, intercept: 'a' }, 'l.json'), (e: unknown) => isDynpipeError(e, 'E_PREDICTOR') && /^l\.json: intercept/.test(e.message));
  });
});
