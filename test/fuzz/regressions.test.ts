/**
 * Faults the parser fuzz suite found, one case each, kept as plain regression tests. Each input
 * below once produced a multi-line message, a flood of text or a crash instead of one clear line.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { oneLine, isDynpipeError, type ErrorCode } from '../../runtime/errors.js';
import { parsePlan } from '../../runtime/plan/plan.js';
import { parseProfile } from '../../profile/format.js';
import { parseSummary } from '../../runtime/log/summary.js';
import { parseRankLog, printHeader } from '../../runtime/log/rank-log.js';
import { SlowdownForest } from '../../predictor/forest.js';
import { LinearBaseline } from '../../predictor/linear.js';
import { parseDeviceFeatures } from '../../predictor/features.js';
import { decodeTensors } from '../../runtime/checkpoint/tensor-file.js';
import { validateManifest } from '../../runtime/checkpoint/manifest.js';
import { validateSummary } from '../../runtime/log/summary.js';
import { decodeControl } from '../../runtime/transport/control-messages.js';
import * as S from './samples.js';

function clearError(code: ErrorCode, pattern: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    if (!isDynpipeError(e, code)) throw new Error(`expected ${code}, got ${String(e)}`);
    assert.ok(!e.message.includes('\n'), `message spans lines: ${JSON.stringify(e.message)}`);
    assert.ok(e.message.length <= 1000, `message of ${e.message.length} characters`);
    assert.match(e.message, pattern);
    return true;
  };
}

describe('parser fuzz regressions', () => {
  it('oneLine shows line breaks and cuts long text', () => {
    assert.equal(oneLine('a\nb\r\nc'), 'a\\nb\\nc');
    assert.equal(oneLine('x'.repeat(10), 4), 'xxxx…');
  });

  // V8 quotes the text around a JSON syntax error, line breaks included.
  it('a JSON syntax error in a plan, profile or summary is one line', () => {
    const text = '\u0000{\n  "version": 1\n}';
    assert.throws(() => parsePlan(text, 'plan.json'), clearError('E_PLAN_INVALID', /^plan\.json: not valid JSON \(.*\\n/));
    assert.throws(() => parseProfile(text, 'p.json'), clearError('E_PROFILE_PARSE', /^p\.json: not valid JSON/));
    assert.throws(() => parseSummary(text, 's.json'), clearError('E_LOG_PARSE', /^s\.json: not valid JSON/));
  });

  // csv-parse's message quotes the offending character, here a line break.
  it('a bad quote in a rank log is one line naming the file and line', () => {
    const text = printHeader() + 'step,"1\n"x,1\n';
    assert.throws(() => parseRankLog(text, 'rank-1.csv', 1), clearError('E_LOG_PARSE', /^rank-1\.csv:\d+: Invalid Closing Quote/));
  });

  // The header check quoted the column as it was: a bare line break (csv-parse keeps a lone '\n'
  // after '\r\n' as a field) came out as a two-line message.
  it('a rank log header with a line break for a column name is one line', () => {
    assert.throws(() => parseRankLog('\r\n\n', 'rank-1.csv', 1), clearError('E_LOG_PARSE', /^rank-1\.csv:2: header column 1 should be 'row', got '\\n'$/));
  });

  // The recursive schema check overflowed the stack (RangeError) on a tree nested 1000+ levels.
  it('a forest file with an absurdly deep tree is refused, not a stack overflow', () => {
    const f = structuredClone(S.FOREST_JSON) as { forest: { baseModel: { estimators: Array<{ root: unknown }> } } };
    let node: unknown = { distribution: 1 };
    for (let i = 0; i < 20_000; i++) node = { splitColumn: 0, splitValue: 0.5, left: node, right: { distribution: 2 } };
    f.forest.baseModel.estimators[1].root = node;
    assert.throws(() => SlowdownForest.fromJSON(f, 'forest.json'), clearError('E_PREDICTOR', /^forest\.json: forest\.baseModel\.estimators\.1\.root: tree deeper than 500 levels$/));
  });

  // Messages used to echo a whole hostile list or value (thousands of characters).
  it('forest features, linear terms and device values are quoted briefly', () => {
    const f = structuredClone(S.FOREST_JSON) as { features: string[] };
    f.features = Array.from({ length: 3000 }, (_, i) => `f${i}`);
    assert.throws(() => SlowdownForest.fromJSON(f, 'forest.json'), clearError('E_PREDICTOR', /^forest\.json: features: trained on \[f0, f1, .*…\], this build uses/));
    const l = structuredClone(S.LINEAR_JSON) as { terms: string[] };
    l.terms = [...l.terms.slice(0, -1), 'x'.repeat(5000)];
    assert.throws(() => LinearBaseline.fromJSON(l, 'linear.json'), clearError('E_PREDICTOR', /^linear\.json: terms: expected \[/));
    const d = { ...(S.DEVICE_JSON as object), cpu_peer: Array.from({ length: 3000 }, (_, i) => i) };
    assert.throws(() => parseDeviceFeatures(d, 'dev.json'), clearError('E_PREDICTOR', /^dev\.json: cpu_peer: expected a finite number, got \[0,1,2/));
  });

  // zod quotes an unknown key of a strict object verbatim: a key with a line break and 3000
  // characters used to come back as a 3000-character message on two lines.
  it('a hostile unknown key in a manifest, summary or control message is quoted on one bounded line', () => {
    const key = `evil\nkey${'x'.repeat(3000)}`;
    assert.throws(() => validateManifest({ ...(S.MANIFEST_JSON as object), [key]: 1 }, 'm.json'), clearError('E_CHECKPOINT', /^m\.json: \(root\): Unrecognized key: "evil\\nkeyx+…$/));
    const summary = JSON.parse(S.SUMMARY_TEXT) as object;
    assert.throws(() => validateSummary({ ...summary, [key]: 1 }, 's.json'), clearError('E_LOG_PARSE', /^s\.json: \(root\): Unrecognized key: "evil\\nkeyx+…$/));
    const frame = Buffer.from(S.msgpack({ v: 1, ...(S.CONTROL_MESSAGES[0] as object), [key]: 1 }));
    assert.throws(() => decodeControl(frame), clearError('E_MESSAGE', /^control message 'register' is invalid: .*Unrecognized key: "evil\\nkeyx+…$/));
  });

  // A checksummed payload whose entry had a string shape escaped as a TypeError.
  it('a tensor file entry with a malformed shape is a checkpoint error', () => {
    const bad = S.msgpack({ entries: { w: { shape: 'big', dtype: 'float32', bytes: new Uint8Array(4) } } });
    const file = S.msgpack({ format: 'dynpipe-tensors', version: 1, sha256: sha256(bad), payload: bad });
    assert.throws(() => decodeTensors(file, 'w.tensors'), clearError('E_CHECKPOINT', /^w\.tensors: tensor 'w' has a shape that is not a list/));
  });
});

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}
