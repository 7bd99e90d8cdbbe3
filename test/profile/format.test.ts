import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { BLOCK_KINDS, type Profile, parseProfile, printProfile, totalComputeMs, validateProfile } from '../../profile/format.js';
import { isDynpipeError } from '../../runtime/errors.js';

function base(): Record<string, unknown> {
  return {
    version: 1,
    model: { name: 'mlp', args: { hidden: 16 } },
    batch_size: 8,
    backend: 'cpu',
    device: 'test CPU',
    date: '2024-05-01T12:00:00.000Z',
    source: 'measured',
    blocks: [
      { name: 'fc1', kind: 'dense', forward_ms: 1.5, backward_ms: 3, activation_bytes: 512, param_bytes: 1088, flops: 4096 },
      { name: 'head', kind: 'head', forward_ms: 0.25, backward_ms: 0.5, activation_bytes: 320, param_bytes: 680, flops: 1280 },
    ],
  };
}

function rejects(value: unknown, message: string): void {
  assert.throws(
    () => validateProfile(value, 'p.json'),
    (e: unknown) => isDynpipeError(e, 'E_PROFILE_PARSE') && e.message.startsWith(`p.json: ${message}`),
  );
}

describe('profile format', () => {
  it('round-trips through print and parse and sums compute time', () => {
    const p = validateProfile(base());
    assert.deepEqual(parseProfile(printProfile(p)), p);
    assert.equal(totalComputeMs(p), 1.5 + 3 + 0.25 + 0.5);
  });

  it('round-trips any valid profile (property)', () => {
    const amount = fc.double({ min: 0, max: 1e12, noNaN: true });
    const block = fc.record({
      name: fc.string({ minLength: 1, maxLength: 8 }),
      kind: fc.constantFrom(...BLOCK_KINDS),
      forward_ms: amount,
      backward_ms: amount,
      activation_bytes: amount,
      param_bytes: amount,
      flops: amount,
    });
    const profile = fc.record({
      version: fc.constant(1 as const),
      model: fc.record({ name: fc.string({ minLength: 1, maxLength: 8 }), args: fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.integer(), fc.boolean(), fc.string())) }),
      batch_size: fc.integer({ min: 1, max: 4096 }),
      backend: fc.constantFrom('cpu', 'wasm', 'webgpu'),
      device: fc.string({ minLength: 1, maxLength: 12 }),
      date: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()),
      source: fc.constantFrom('measured' as const, 'pipedream-import' as const, 'analytic' as const),
      blocks: fc.array(block, { minLength: 1, maxLength: 5 }),
    });
    fc.assert(
      fc.property(profile, (raw) => {
        const p: Profile = validateProfile(raw);
        assert.deepEqual(parseProfile(printProfile(p)), p);
      }),
      { numRuns: 100 },
    );
  });

  it('reads a negative zero as 0 so printing loses nothing', () => {
    const raw = base();
    (raw.blocks as Array<Record<string, unknown>>)[0].backward_ms = -0;
    const p = validateProfile(raw);
    assert.ok(Object.is(p.blocks[0].backward_ms, 0));
    assert.deepEqual(parseProfile(printProfile(p)), p);
  });

  it('names the field of each violation', () => {
    rejects({ ...base(), batch_size: 0 }, 'batch_size');
    rejects({ ...base(), source: 'guessed' }, 'source');
    rejects({ ...base(), date: 'yesterday' }, 'date');
    rejects({ ...base(), blocks: [] }, 'blocks');
    const negative = base();
    (negative.blocks as Array<Record<string, unknown>>)[1].forward_ms = -1;
    rejects(negative, 'blocks.1.forward_ms');
    const badKind = base();
    (badKind.blocks as Array<Record<string, unknown>>)[0].kind = 'lstm';
    rejects(badKind, 'blocks.0.kind');
  });

  it('reports JSON syntax errors with the source name', () => {
    assert.throws(
      () => parseProfile('{"version": 1,', 'bad.json'),
      (e: unknown) => isDynpipeError(e, 'E_PROFILE_PARSE') && e.message.startsWith('bad.json: not valid JSON'),
    );
  });
});
