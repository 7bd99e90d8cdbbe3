/**
 * Every parser that reads a file or a message from outside, with the inputs the fuzz suite throws
 * at it: random data, and valid samples (samples.ts) after random edits (mutate.ts). The promise
 * each must keep is the same: return, or throw a DynpipeError of the listed code with a one-line
 * message — never another exception, never a hang.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { ErrorCode } from '../../runtime/errors.js';
import { parsePlan } from '../../runtime/plan/plan.js';
import { parseProfile } from '../../profile/format.js';
import { parsePipedreamGraph } from '../../profile/pipedream-graph.js';
import { parseRankLog } from '../../runtime/log/rank-log.js';
import { parseSummary } from '../../runtime/log/summary.js';
import { parseDataset } from '../../predictor/dataset.js';
import { SlowdownForest } from '../../predictor/forest.js';
import { LinearBaseline } from '../../predictor/linear.js';
import { parseDeviceFeatures } from '../../predictor/features.js';
import { decodeTensors } from '../../runtime/checkpoint/tensor-file.js';
import { decodeStageFile } from '../../runtime/checkpoint/stage-file.js';
import { parseManifest } from '../../runtime/checkpoint/manifest.js';
import { decodeMessage } from '../../runtime/transport/codec.js';
import { decodeControl } from '../../runtime/transport/control-messages.js';
import { checkCurveKeys, generateCurveKeys } from '../../runtime/transport/curve-keys.js';
import { parseIdxImages, parseIdxLabels } from '../../runtime/data/idx.js';
import { parseCifarBatch } from '../../runtime/data/cifar10.js';
import { mutatedBytes, mutatedJson, mutatedText } from './mutate.js';
import * as S from './samples.js';

export interface FuzzTarget {
  /** The parser, as a reader of which files or messages. */
  name: string;
  /** Codes its errors may carry. */
  codes: readonly ErrorCode[];
  inputs(): fc.Arbitrary<unknown>;
  parse(input: unknown): unknown;
}

/** JSON nested `depth` levels deep, as text: arrays or objects. */
const deepJson: fc.Arbitrary<string> = fc.tuple(fc.integer({ min: 1, max: 100_000 }), fc.boolean()).map(([n, arrays]) => (arrays ? '['.repeat(n) + ']'.repeat(n) : '{"a":'.repeat(n) + '1' + '}'.repeat(n)));

/** Inputs for a parser of JSON text whose valid sample is `text` (and its value `value`). */
function jsonTextInputs(text: string, value: unknown): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: mutatedJson(value).map((v) => JSON.stringify(v) ?? 'undefined'), weight: 4 },
    { arbitrary: mutatedText(text), weight: 3 },
    { arbitrary: fc.json(), weight: 1 },
    { arbitrary: fc.string({ maxLength: 200 }), weight: 1 },
    { arbitrary: deepJson, weight: 1 },
  );
}

function textInputs(text: string): fc.Arbitrary<string> {
  return fc.oneof({ arbitrary: mutatedText(text), weight: 6 }, { arbitrary: fc.string({ maxLength: 300 }), weight: 1 }, { arbitrary: fc.string({ unit: 'binary', maxLength: 300 }), weight: 1 });
}

function bytesInputs(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.oneof({ arbitrary: mutatedBytes(valid), weight: 6 }, { arbitrary: fc.uint8Array({ maxLength: 512 }), weight: 1 }, { arbitrary: fc.constant(valid), weight: 1 });
}

/** A tree node of the forest file nested `depth` splits deep (a file this deep is hostile, not trained). */
function deepTree(depth: number): unknown {
  let node: unknown = { distribution: 1 };
  for (let i = 0; i < depth; i++) node = { splitColumn: 0, splitValue: 0.5, left: node, right: { distribution: 2 } };
  return node;
}

const deepForest: fc.Arbitrary<unknown> = fc.integer({ min: 501, max: 5000 }).map((depth) => {
  const f = structuredClone(S.FOREST_JSON) as { forest: { baseModel: { estimators: Array<{ root: unknown }> } } };
  f.forest.baseModel.estimators[0].root = deepTree(depth);
  return f;
});

/** A tensor file that passes its checksum, around an arbitrary payload value. */
function checksummed(payload: unknown): Uint8Array {
  const bytes = S.msgpack(payload);
  return S.msgpack({ format: 'dynpipe-tensors', version: 1, sha256: createHash('sha256').update(bytes).digest('hex'), payload: bytes });
}

const buffers = (frames: readonly Uint8Array[]): Buffer[] => frames.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength));

export const FUZZ_TARGETS: readonly FuzzTarget[] = [
  { name: 'plan (plan.json)', codes: ['E_PLAN_INVALID'], inputs: () => jsonTextInputs(S.PLAN_TEXT, JSON.parse(S.PLAN_TEXT)), parse: (t) => parsePlan(t as string, 'plan.json') },
  { name: 'profile (profile.json)', codes: ['E_PROFILE_PARSE'], inputs: () => jsonTextInputs(S.PROFILE_TEXT, JSON.parse(S.PROFILE_TEXT)), parse: (t) => parseProfile(t as string, 'profile.json') },
  { name: 'PipeDream graph.txt', codes: ['E_PROFILE_PARSE'], inputs: () => textInputs(S.GRAPH_TEXT), parse: (t) => parsePipedreamGraph(t as string, 'graph.txt') },
  { name: 'rank log CSV', codes: ['E_LOG_PARSE'], inputs: () => textInputs(S.RANK_LOG_TEXT), parse: (t) => parseRankLog(t as string, 'rank-1.csv', 1) },
  { name: 'run summary (summary.json)', codes: ['E_LOG_PARSE'], inputs: () => jsonTextInputs(S.SUMMARY_TEXT, JSON.parse(S.SUMMARY_TEXT)), parse: (t) => parseSummary(t as string, 'summary.json') },
  { name: 'predictor dataset CSV', codes: ['E_DATA'], inputs: () => textInputs(S.DATASET_TEXT), parse: (t) => parseDataset(t as string, 'data.csv') },
  {
    name: 'predictor forest JSON',
    codes: ['E_PREDICTOR'],
    inputs: () => fc.oneof({ arbitrary: mutatedJson(S.FOREST_JSON), weight: 6 }, { arbitrary: fc.jsonValue({ maxDepth: 4 }), weight: 1 }, { arbitrary: deepForest, weight: 1 }),
    parse: (v) => SlowdownForest.fromJSON(v, 'forest.json'),
  },
  { name: 'predictor linear JSON', codes: ['E_PREDICTOR'], inputs: () => fc.oneof({ arbitrary: mutatedJson(S.LINEAR_JSON), weight: 6 }, { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 1 }), parse: (v) => LinearBaseline.fromJSON(v, 'linear.json') },
  { name: 'device features JSON', codes: ['E_PREDICTOR'], inputs: () => fc.oneof({ arbitrary: mutatedJson(S.DEVICE_JSON), weight: 6 }, { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 1 }), parse: (v) => parseDeviceFeatures(v, 'device.json') },
  {
    name: 'tensor file (.weights, .tensors)',
    codes: ['E_CHECKPOINT'],
    inputs: () => fc.oneof({ arbitrary: bytesInputs(S.TENSOR_FILE), weight: 3 }, { arbitrary: mutatedJson(S.STAGE_FILE_PAYLOAD).map(checksummed), weight: 3 }),
    parse: (b) => decodeTensors(b as Uint8Array, 'w.tensors'),
  },
  {
    name: 'stage checkpoint file (rank-<r>.tensors)',
    codes: ['E_CHECKPOINT'],
    inputs: () => fc.oneof({ arbitrary: bytesInputs(S.STAGE_FILE), weight: 2 }, { arbitrary: mutatedJson(S.STAGE_FILE_PAYLOAD).map(checksummed), weight: 4 }),
    parse: (b) => decodeStageFile(b as Uint8Array, 'rank-0.tensors'),
  },
  { name: 'checkpoint manifest (manifest.json)', codes: ['E_CHECKPOINT'], inputs: () => jsonTextInputs(S.MANIFEST_TEXT, S.MANIFEST_JSON), parse: (t) => parseManifest(t as string, 'manifest.json') },
  {
    name: 'data-plane message decoder',
    codes: ['E_MESSAGE'],
    inputs: () => fc.oneof(
      { arbitrary: fc.tuple(mutatedJson(S.MESSAGE_HEADER).map(S.msgpack), fc.oneof(fc.constant(S.MESSAGE_FRAMES[1]), fc.uint8Array({ maxLength: 64 }))), weight: 4 },
      { arbitrary: fc.tuple(mutatedBytes(S.MESSAGE_FRAMES[0]), fc.constant(S.MESSAGE_FRAMES[1])), weight: 2 },
      { arbitrary: fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 3 }), weight: 1 },
    ),
    parse: (frames) => decodeMessage(buffers(frames as Uint8Array[])),
  },
  {
    name: 'control message decoder',
    codes: ['E_MESSAGE'],
    inputs: () => fc.oneof(
      { arbitrary: fc.constantFrom(...S.CONTROL_MESSAGES).chain((m) => mutatedJson({ v: 1, ...(m as object) })).map(S.msgpack), weight: 4 },
      { arbitrary: fc.constantFrom(...S.CONTROL_FRAMES).chain(mutatedBytes), weight: 2 },
      { arbitrary: fc.uint8Array({ maxLength: 128 }), weight: 1 },
    ),
    parse: (b) => decodeControl(buffers([b as Uint8Array])[0]),
  },
  { name: 'IDX images (Fashion-MNIST)', codes: ['E_DATA'], inputs: () => bytesInputs(S.IDX_IMAGES), parse: (b) => parseIdxImages(b as Uint8Array, 'images-idx3-ubyte') },
  { name: 'IDX labels (Fashion-MNIST)', codes: ['E_DATA'], inputs: () => bytesInputs(S.IDX_LABELS), parse: (b) => parseIdxLabels(b as Uint8Array, 'labels-idx1-ubyte') },
  { name: 'CIFAR-10 batch', codes: ['E_DATA'], inputs: () => bytesInputs(S.CIFAR_BATCH), parse: (b) => parseCifarBatch(b as Uint8Array, 'data_batch_1.bin') },
  {
    name: 'CURVE key pair (curve.public, curve.secret)',
    codes: ['E_USAGE'],
    inputs: () => {
      const k = generateCurveKeys();
      return fc.record({ publicKey: fc.oneof(mutatedText(k.publicKey), fc.constant(k.publicKey)), secretKey: fc.oneof(mutatedText(k.secretKey), fc.constant(k.secretKey), fc.string({ minLength: 40, maxLength: 40 })) });
    },
    parse: (keys) => checkCurveKeys(keys as { publicKey: string; secretKey: string }, 'keys'),
  },
];
