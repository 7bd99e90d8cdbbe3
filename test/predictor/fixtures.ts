/** Test fixtures: a tiny ModelSpec with hand-countable numbers and synthetic feature vectors. */
import type { Block, BlockKind, ModelSpec, ParamSpec } from '../../runtime/models/block.js';
import { DEVICE_NAMES, STATIC_NAMES, toVector, type DeviceFeatures, type StaticFeatures } from '../../predictor/features.js';
import { seededRandom } from '../../predictor/random.js';

function block(name: string, kind: BlockKind, inputShape: number[], outputShape: number[], params: Array<[string, number[]]>, flops: number): Block {
  const specs: ParamSpec[] = params.map(([n, shape]) => ({ name: n, shape, init: { kind: 'zeros' }, trainable: true }));
  return {
    name,
    kind,
    inputShape,
    inputDtype: 'float32',
    outputShape,
    params: specs,
    flops,
    apply: () => {
      throw new Error('fixture blocks are not run');
    },
  };
}

/**
 * 4 blocks: conv 8x8x1 -> 8x8x4 (3x3 kernel), pool -> 4x4x4, dense 64 -> 10, head (no params).
 *   conv: params 3*3*1*4 + 4 = 40, flops 2*9*4*64 = 4608, output 256 floats
 *   pool: output 64 floats, flops 256
 *   dense: params 64*10 + 10 = 650, flops 1280, output 10 floats
 *   head: output 10 floats, flops 20
 */
export function tinySpec(): ModelSpec {
  return {
    name: 'tiny',
    args: {},
    blocks: [
      block('conv', 'conv', [8, 8, 1], [8, 8, 4], [['w', [3, 3, 1, 4]], ['b', [4]]], 4608),
      block('pool', 'pool', [8, 8, 4], [4, 4, 4], [], 256),
      block('dense', 'dense', [64], [10], [['w', [64, 10]], ['b', [10]]], 1280),
      block('head', 'head', [10], [10], [], 20),
    ],
    inputShape: [8, 8, 1],
    inputDtype: 'float32',
    labelShape: [],
    loss: 'softmax-cross-entropy',
    numClasses: 10,
  };
}

/** A device in a quiet state: every feature at a plausible idle value, GPU features unobservable. */
export function quietDevice(): DeviceFeatures {
  return {
    self_compute_ratio: 1,
    self_flops_per_byte: 10,
    wait_fraction: 0,
    send_wait_ms: 0,
    cpu_self: 1,
    cpu_peer: 0,
    cpu_util_cores: 0.5,
    cpu_util_machine: 0.5,
    procs_running_per_core: 0.5,
    runq_wait_fraction: 0.1,
    cpu_pressure: null,
    load_avg_per_core: 0.5,
    membw_probe_gbps: 20,
    gpu_util: null,
    gpu_mem_util: null,
    gpu_procs: null,
  };
}

/**
 * The known structure the forest must recover (nonlinear, with an interaction between a device
 * feature and a static one):
 *   slowdown = 1 + 0.8 * min(cpu_peer, 1.5) + 2 * max(0, 1 - membw/20) / (1 + flops_per_byte / 20)
 */
export function trueSlowdown(s: StaticFeatures, d: DeviceFeatures): number {
  return 1 + 0.8 * Math.min(d.cpu_peer, 1.5) + (2 * Math.max(0, 1 - d.membw_probe_gbps / 20)) / (1 + s.flops_per_byte / 20);
}

export interface SyntheticRow {
  group: string;
  x: number[];
  y: number;
}

/**
 * `mixes` groups; in each, one device state (cpu_peer, membw) seen by `perMix` workloads whose static
 * features differ. Every other feature is noise the forest should learn to ignore.
 */
export function syntheticRows(mixes: number, perMix: number, seed: number): SyntheticRow[] {
  // Two streams: adding a noise feature must not change the values that carry the structure.
  const signal = seededRandom(seed);
  const noise = seededRandom(seed + 0x5eed);
  const rows: SyntheticRow[] = [];
  for (let m = 0; m < mixes; m++) {
    const cpuPeer = 2 * signal();
    const membw = 5 + 15 * signal();
    for (let w = 0; w < perMix; w++) {
      const s = {} as Record<string, number>;
      for (const n of STATIC_NAMES) s[n] = 10 * noise();
      s.flops_per_byte = 10 ** (2 * signal()); // log-uniform in [1, 100]
      const d = { ...quietDevice() } as Record<string, number | null>;
      for (const n of DEVICE_NAMES) if (d[n] !== null) d[n] = noise();
      d.cpu_peer = cpuPeer;
      d.membw_probe_gbps = membw;
      const st = s as StaticFeatures;
      const dev = d as DeviceFeatures;
      rows.push({ group: `mix${m}`, x: toVector(st, dev), y: trueSlowdown(st, dev) });
    }
  }
  return rows;
}
