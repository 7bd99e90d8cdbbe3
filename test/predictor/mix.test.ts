import { strict as assert } from 'node:assert';
import { interfererSpec, mixKey, parseCoreSlots, parseCores, placeMix, randomMixes } from '../../predictor/mix.js';
import { isDynpipeError } from '../../runtime/errors.js';

describe('interference mixes', () => {
  it('parses core lists', () => {
    assert.deepEqual(parseCores(''), []);
    assert.deepEqual(parseCores('*'), []);
    assert.deepEqual(parseCores('3'), [3]);
    assert.deepEqual(parseCores('2,0-1;1'), [0, 1, 2]);
    assert.throws(() => parseCores('1-0'), (e: unknown) => isDynpipeError(e, 'E_USAGE') && /backwards/.test(e.message));
    assert.throws(() => parseCores('a'), (e: unknown) => isDynpipeError(e, 'E_USAGE'));
  });

  it('gives a mix one key whatever the order of its interferers', () => {
    const a = interfererSpec('cpu', '0', 1);
    const b = interfererSpec('membw', '*', 0.5);
    const c = interfererSpec('net', '2', 0.25);
    assert.equal(mixKey([a, b, c]), 'cpu:1@0+membw:0.5@*+net:0.25@2');
    assert.equal(mixKey([c, a, b]), mixKey([a, b, c]));
    assert.equal(mixKey([]), 'none');
    assert.throws(() => interfererSpec('cpu', '0', 0), (e: unknown) => isDynpipeError(e, 'E_USAGE') && /intensity/.test(e.message));
    assert.throws(() => interfererSpec('gpu', 'x', 1), (e: unknown) => isDynpipeError(e, 'E_USAGE') && /device index/.test(e.message));
  });

  it('draws distinct random mixes of 1..max interferers after the quiet one, replayable from the seed', () => {
    const o = { count: 12, kinds: ['cpu', 'membw', 'gpu', 'net'] as const, maxInterferers: 3, cores: [0, 1], intensities: [0.5, 1], seed: 7 };
    const mixes = randomMixes(o);
    assert.equal(mixes.length, 13);
    assert.deepEqual(mixes[0], []);
    const keys = mixes.map(mixKey);
    assert.equal(new Set(keys).size, keys.length);
    for (const m of mixes.slice(1)) assert.ok(m.length >= 1 && m.length <= 3);
    assert.deepEqual(randomMixes(o), mixes);
    assert.notDeepEqual(randomMixes({ ...o, seed: 8 }), mixes);
  });

  it('keeps the order of a slot list and refuses a core listed twice', () => {
    assert.deepEqual(parseCoreSlots('9,4-5'), [9, 4, 5]);
    assert.deepEqual(parseCoreSlots('*'), []);
    assert.throws(() => parseCoreSlots('4,3-5', 'E_USAGE', '--interferer-cores'), (e: unknown) => isDynpipeError(e, 'E_USAGE') && e.message === "--interferer-cores: core 4 is listed twice in '4,3-5'");
  });

  it('places cpu/membw slots on the cores of a lane and leaves other kinds alone', () => {
    const mix = [interfererSpec('cpu', '0', 1), interfererSpec('membw', '2', 0.5), interfererSpec('gpu', '0', 0.25), interfererSpec('net', '1', 1)];
    assert.equal(mixKey(placeMix(mix, [9, 10, 11])), 'cpu:1@9+gpu:0.25@0+membw:0.5@11+net:1@1');
    assert.equal(placeMix(mix, []), mix);
    assert.throws(() => placeMix(mix, [9, 10]), (e: unknown) => isDynpipeError(e, 'E_USAGE') && e.message === 'membw:0.5@2: slot 2 is past the 2 interferer cores [9,10]');
  });
});
