/** One valid input of every format the fuzz suite attacks; mutations start from these. */
import { encode as msgpackEncode } from '@msgpack/msgpack';
import { printPlan, straightPlan, type Plan } from '../../runtime/plan/plan.js';
import { printProfile, validateProfile } from '../../profile/format.js';
import { printHeader, printRow } from '../../runtime/log/rank-log.js';
import { summarizeRun } from '../../runtime/log/summarize.js';
import { printSummary } from '../../runtime/log/summary.js';
import { printDataset, type DatasetRow } from '../../predictor/dataset.js';
import { fromVector } from '../../predictor/features.js';
import { DEFAULT_FOREST_OPTIONS, SlowdownForest } from '../../predictor/forest.js';
import { LinearBaseline } from '../../predictor/linear.js';
import { encodeTensors } from '../../runtime/checkpoint/tensor-file.js';
import { encodeStageFile } from '../../runtime/checkpoint/stage-file.js';
import { printManifest, type Manifest } from '../../runtime/checkpoint/manifest.js';
import { encodeMessage } from '../../runtime/transport/codec.js';
import { encodeControl } from '../../runtime/transport/control-messages.js';
import { float32Tensor } from '../../runtime/transport/tensor.js';
import { dynpipeRows } from '../fixtures/run-logs.js';
import { syntheticRows } from '../predictor/fixtures.js';
import { pipedreamFixture } from '../profile/fixture-path.js';

export const PLAN: Plan = straightPlan({ model: { name: 'mlp', args: { hidden: 16, layers: 2 } }, partition: [2, 1], microbatchSize: 8, training: { seed: 3 } });
export const PLAN_TEXT = printPlan(PLAN);

export const PROFILE_TEXT = printProfile(validateProfile({
  version: 1, model: { name: 'mlp', args: { hidden: 16 } }, batch_size: 8, backend: 'cpu', device: 'test CPU', date: '2024-05-01T12:00:00.000Z', source: 'measured',
  blocks: [
    { name: 'fc1', kind: 'dense', forward_ms: 1.5, backward_ms: 3, activation_bytes: 512, param_bytes: 1088, flops: 4096 },
    { name: 'head', kind: 'head', forward_ms: 0.25, backward_ms: 0.5, activation_bytes: 320, param_bytes: 680, flops: 1280 },
  ],
}));

export const GRAPH_TEXT = pipedreamFixture('alexnet').text;

export const RANK_LOG_TEXT = printHeader() + dynpipeRows().filter((r) => r.rank === 1).map(printRow).join('');

export const SUMMARY_TEXT = printSummary(summarizeRun(dynpipeRows(), { mode: 'dynpipe', model: 'mlp', microbatchSize: 8, targetAccuracy: 0.5 }));

const synthetic = syntheticRows(3, 3, 9);

export const DATASET_TEXT = printDataset(synthetic.map((r, i): DatasetRow => {
  const { static: st, device } = fromVector(r.x);
  return { mix: r.group, repeat: i % 2, target: `mlp/0-${i}/b8`, observer: 'mlp/0-1/b8', interferedMs: 2 * r.y, static: { ...st, alone_ms: 2 }, device, slowdown: r.y };
}), true);

export const FOREST_JSON: unknown = JSON.parse(JSON.stringify(
  SlowdownForest.train(synthetic.map((r) => r.x), synthetic.map((r) => r.y), { ...DEFAULT_FOREST_OPTIONS, trees: 2, maxDepth: 3, maxRowsPerTree: 9 }).toJSON(),
));

export const LINEAR_JSON: unknown = JSON.parse(JSON.stringify(LinearBaseline.train(synthetic.map((r) => r.x), synthetic.map((r) => r.y)).toJSON()));

export const DEVICE_JSON: unknown = fromVector(synthetic[0].x).device;

const f32 = (...v: number[]) => ({ shape: [v.length], dtype: 'float32' as const, data: Float32Array.from(v) });

export const TENSOR_FILE = new Uint8Array(encodeTensors(new Map([['p/0.w', f32(1, 2)], ['o/0.w/0', f32(3, 4)]]), { step: 3 }));

const STAGE_META = { rank: 0, blocks: [0, 1], cutMicrobatch: 8, weightVersion: 8, planVersion: 0, seed: 3, plan: PLAN };
export const STAGE_FILE = new Uint8Array(encodeStageFile(new Map([['p/0.fc.w', f32(1, 2)], ['o/1.fc.b/0', f32(3)]]), STAGE_META));

/** The decoded inside of a stage file, for structural mutation (tensor-file.ts's layout). */
export const STAGE_FILE_PAYLOAD: unknown = {
  meta: { kind: 'dynpipe-stage', ...STAGE_META },
  entries: { 'p/0.fc.w': { shape: [2], dtype: 'float32', bytes: new Uint8Array(new Float32Array([1, 2]).buffer) } },
};

const SHA = 'ab'.repeat(32);
export const MANIFEST: Manifest = {
  cutMicrobatch: 8, weightVersion: 8, planVersion: 0, seed: 3, plan: PLAN,
  files: [{ file: 'rank-0.tensors', rank: 0, blocks: [0, 1], bytes: 10, sha256: SHA }, { file: 'rank-1.tensors', rank: 1, blocks: [2], bytes: 10, sha256: SHA }],
};
export const MANIFEST_TEXT = printManifest(MANIFEST);
export const MANIFEST_JSON: unknown = JSON.parse(MANIFEST_TEXT);

export const MESSAGE_HEADER: unknown = { v: 1, kind: 'act', mb: 3, tag: 0, fromRank: 0, toRank: 1, planVersion: 0, dtype: 'float32', shape: [2, 2], extra: { scale: 0.5 } };
export const MESSAGE_FRAMES = encodeMessage({ kind: 'act', mb: 3, tag: 0, fromRank: 0, toRank: 1, planVersion: 0 }, float32Tensor(Float32Array.from([1, 2, 3, 4]), [2, 2]));

export const CONTROL_MESSAGES: unknown[] = [
  { type: 'register', rank: 2, endpoint: 'tcp://127.0.0.1:4000', host: 'node1', pid: 123 },
  { type: 'peers', endpoints: { '0': 'ipc:///tmp/dynpipe-j/r0.sock', '1': 'tcp://10.0.0.1:5000' } },
  { type: 'stats', rank: 1, stats: { mb: 3, forward_ms: 1.5 } },
  { type: 'error', rank: 3, message: 'out of memory' },
  { type: 'shutdown', reason: 'rank 3 failed' },
  { type: 'heartbeat', rank: 4 },
  { type: 'checkpointed', rank: 1, cut: 8, planVersion: 0, weightVersion: 8, file: 'rank-1.tensors', blocks: [1, 2], bytes: 123, sha256: 'a'.repeat(64) },
  { type: 'hold', rank: 2, planVersion: 1, next: 7, holdAt: 9 },
  { type: 'drained', rank: 2, planVersion: 1, drainedAtMs: 12.5, weightVersion: 9, checkpoint: { file: 'rank-2.tensors', blocks: [3], bytes: 99, sha256: 'b'.repeat(64) } },
];
export const CONTROL_FRAMES = CONTROL_MESSAGES.map((m) => new Uint8Array(encodeControl(m as Parameters<typeof encodeControl>[0])));

/** msgpack bytes of `v` (structural mutations are re-encoded with this). */
export function msgpack(v: unknown): Uint8Array {
  return msgpackEncode(v);
}

function idx(magic: number, dims: number[], fill: (i: number) => number): Uint8Array {
  const n = dims.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(4 + 4 * dims.length + n);
  const view = new DataView(out.buffer);
  view.setUint32(0, magic, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < n; i++) out[4 + 4 * dims.length + i] = fill(i);
  return out;
}

export const IDX_IMAGES = idx(0x00000803, [2, 3, 3], (i) => i * 7);
export const IDX_LABELS = idx(0x00000801, [2], (i) => i + 3);

export const CIFAR_BATCH = Uint8Array.from({ length: 2 * 3073 }, (_, i) => (i % 3073 === 0 ? (i / 3073) * 4 : i % 251));
