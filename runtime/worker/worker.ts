/**
 * One pipeline rank: joins the coordinator, builds its stage from the plan, runs the schedule's
 * instruction stream, logs every microbatch (rank CSV) and reports stats; on any failure it tells
 * the coordinator and ends. A `shutdown` from the coordinator (another rank failed) ends it within
 * one control round trip: pending receives fail at once because the data plane is closed.
 */
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Plan } from '../plan/plan.js';
import { numStages, ranksOfStage, stageOfRank, stageRanges } from '../plan/plan.js';
import { selectBackend, type BackendName } from '../backend/select.js';
import { buildModel } from '../models/zoo.js';
import { initStageParams } from '../models/params.js';
import { createOptimizer } from '../train/optimizer.js';
import { openDataset } from '../data/registry.js';
import type { Dataset } from '../data/dataset.js';
import { DataPlane } from '../transport/data-plane.js';
import { ControlClient } from '../transport/control.js';
import { ipcEndpoint, tcpEndpoint } from '../transport/endpoints.js';
import { RankLogWriter } from '../log/rank-log-files.js';
import { encodeTensors } from '../checkpoint/tensor-file.js';
import { paramsToHost } from '../checkpoint/host-params.js';
import { DynpipeError } from '../errors.js';
import type { CurveKeys } from '../transport/curve-keys.js';
import { MicrobatchSampler } from './microbatches.js';
import { StageState } from './stage-state.js';
import { StageExecutor, type MicrobatchTiming } from './executor.js';
import { CheckpointStore } from '../checkpoint/checkpoint-store.js';
import { type CheckpointReport, checkCheckpointEvery, runWindows } from './checkpoint-windows.js';
import { openResumePoint, resumeStage } from './resume-stage.js';
import { simulateNetworkCut } from '../transport/link-cut.js';

export interface WorkerConfig {
  rank: number;
  worldSize: number;
  localRank: number;
  /** The coordinator's control endpoint, e.g. tcp://127.0.0.1:29500. */
  coordinator: string;
  plan: Plan;
  numMinibatches: number;
  dataset: string;
  dataDir?: string;
  /** First n samples of the training split only (small runs and tests). */
  trainSamples?: number;
  backend: BackendName;
  logDir?: string;
  /** Where this rank's data socket binds: 'ipc' (same host) or a host address for tcp. */
  bind: { transport: 'ipc'; jobId: string } | { transport: 'tcp'; host: string };
  recvTimeoutMs: number;
  rendezvousTimeoutMs: number;
  saveWeightsDir?: string;
  /** The job's CURVE key pair (transport/curve-keys.ts); without it sockets are unauthenticated. */
  curve?: CurveKeys;
  /** Checkpoints after every `every` microbatches (drained windows), this rank's file under `dir` (worker/checkpoint-windows.ts). */
  checkpoint?: { dir: string; every: number };
  /** Continue from this checkpoint: a set directory, or a store root (its newest complete set). */
  resume?: string;
  /** TEST HOOK: this rank's network goes down this many ms after it registered (control messages dropped, data sends stall). */
  networkCutAfterMs?: number;
  /** Emits one human-readable line (stderr in the CLI). */
  say(line: string): void;
}

function openTrainSet(cfg: WorkerConfig): Dataset {
  const synthetic = cfg.dataset.startsWith('synthetic');
  return openDataset(cfg.dataset, {
    split: 'train',
    env: process.env,
    ...(synthetic ? { seed: cfg.plan.training.seed, size: cfg.trainSamples ?? 8192 } : {}),
    ...(!synthetic && cfg.dataDir ? { dataDir: cfg.dataDir } : {}),
    ...(!synthetic && cfg.trainSamples !== undefined ? { size: cfg.trainSamples } : {}),
    ...(cfg.dataset === 'synthetic-image' ? { shape: [Number(cfg.plan.model.args.inputHeight ?? 28), Number(cfg.plan.model.args.inputWidth ?? 28), Number(cfg.plan.model.args.inputChannels ?? 1)], numClasses: Number(cfg.plan.model.args.numClasses ?? 10) } : {}),
  });
}

export async function runWorker(cfg: WorkerConfig): Promise<void> {
  const { plan, rank } = cfg;
  const stage = stageOfRank(plan, rank);
  const stages = numStages(plan);
  const ranks = ranksOfStage(plan, stage);
  const prevRanks = stage > 0 ? ranksOfStage(plan, stage - 1) : [];
  const nextRanks = stage < stages - 1 ? ranksOfStage(plan, stage + 1) : [];
  const range = stageRanges(plan)[stage];

  const backend = await selectBackend(cfg.backend);
  const model = buildModel(plan.model.name, plan.model.args);
  if (model.blocks.length !== plan.num_blocks) {
    throw new DynpipeError('E_PLAN_INVALID', `plan has ${plan.num_blocks} blocks but model ${model.name} with these args has ${model.blocks.length}`);
  }
  if (cfg.checkpoint) checkCheckpointEvery(plan, cfg.checkpoint.every);
  const resumed = cfg.resume ? await openResumePoint(cfg.resume, plan, cfg.numMinibatches, cfg.say) : undefined;
  const dataset = stage === 0 || stage === stages - 1 ? openTrainSet(cfg) : undefined;
  if (dataset && (dataset.inputShape.join('x') !== model.inputShape.join('x') || dataset.inputDtype !== model.inputDtype)) {
    throw new DynpipeError('E_MODEL', `model ${model.name} takes ${model.inputDtype}[${model.inputShape}] but dataset ${dataset.name} gives ${dataset.inputDtype}[${dataset.inputShape}]`);
  }

  const control = ControlClient.open({ rank, coordinator: cfg.coordinator, onReject: (e) => cfg.say(e.message), curve: cfg.curve });
  const bindAddress = cfg.bind.transport === 'ipc' ? ipcEndpoint(cfg.bind.jobId, rank) : tcpEndpoint(cfg.bind.host, 0);
  const plane = await DataPlane.open({ rank, bindAddress, planVersion: resumed?.planVersion ?? 0, onReject: (e) => cfg.say(e.message), curve: cfg.curve });
  let state: StageState | undefined;
  let executor: StageExecutor | undefined;
  let log: RankLogWriter | undefined;
  try {
    const peers = await control.register({ endpoint: plane.endpoint, host: hostname(), pid: process.pid }, cfg.rendezvousTimeoutMs);
    for (const r of new Set([...prevRanks, ...nextRanks, ...ranks])) {
      if (r === rank) continue;
      const e = peers.get(r);
      if (!e) throw new DynpipeError('E_PEER_FAILED', `rank ${rank}: coordinator sent no endpoint for rank ${r}`);
      plane.connect(r, e);
    }
    control.startHeartbeat(500);
    if (cfg.networkCutAfterMs !== undefined) simulateNetworkCut(control, plane, Date.now() + cfg.networkCutAfterMs);
    const shutdown = control.next(['shutdown'], 2 ** 31 - 1).then((m) => {
      throw new DynpipeError('E_PEER_FAILED', `rank ${rank}: stopped by the coordinator: ${m.reason}`);
    });
    shutdown.catch(() => undefined);

    const seed = plan.training.seed;
    state = resumed ? await resumeStage(resumed.set, model, plan, rank) : new StageState(model, range, initStageParams(model, range, seed), createOptimizer(plan.training));
    const t0 = performance.now();
    if (cfg.logDir) log = await RankLogWriter.open(cfg.logDir, rank, { flush: 'manual' });
    const samplerSize = dataset?.size ?? 1;
    const sampler = new MicrobatchSampler(samplerSize, plan.microbatch_size, seed);
    if (dataset && sampler.perEpoch === 0) throw new DynpipeError('E_USAGE', `microbatch size ${plan.microbatch_size} exceeds the dataset's ${dataset.size} samples`);
    const onMicrobatch = (t: MicrobatchTiming): void => {
      const time = performance.now() - t0;
      const busy = t.forwardMs + t.backwardMs + t.optimizerMs + t.recvWaitMs + t.sendWaitMs;
      log?.append({
        row: 'step', time_ms: time, rank, stage, plan_version: 0, iteration: t.mb, microbatch: t.mb,
        forward_ms: t.forwardMs, backward_ms: t.backwardMs, recv_wait_ms: t.recvWaitMs, send_wait_ms: t.sendWaitMs,
        optimizer_ms: t.optimizerMs, loss: t.loss, samples_per_s: busy > 0 ? (1000 * t.rows) / busy : 0,
      });
      void control
        .send({ type: 'stats', rank, stats: { mb: t.mb, stage, time_ms: time, forward_ms: t.forwardMs, backward_ms: t.backwardMs, recv_wait_ms: t.recvWaitMs, send_wait_ms: t.sendWaitMs, optimizer_ms: t.optimizerMs, rows: t.rows, ...(t.loss !== undefined ? { loss: t.loss } : {}) } }, 10_000)
        .catch((e: unknown) => cfg.say(`rank ${rank}: stats not delivered: ${(e as Error).message}`));
      if (t.mb % 50 === 0) void log?.flush().catch(() => undefined);
    };
    executor = new StageExecutor({
      topology: { stage, stages, prevRanks, ranks, nextRanks, rank, microbatchSize: plan.microbatch_size },
      state,
      plane,
      dataset: dataset ?? emptyDataset(),
      sampler,
      recvTimeoutMs: cfg.recvTimeoutMs,
      onMicrobatch,
    });
    cfg.say(`rank ${rank} (pid ${process.pid}): stage ${stage} blocks [${range[0]}, ${range[1]}) on ${backend.name}; ${cfg.numMinibatches} microbatches`);
    if (resumed) cfg.say(`rank ${rank}: resuming from ${resumed.set.dir} at microbatch ${resumed.first} (weight version ${state.version}, plan version ${resumed.planVersion})`);
    const checkpoint = cfg.checkpoint && {
      store: new CheckpointStore(cfg.checkpoint.dir),
      every: cfg.checkpoint.every,
      report: (r: CheckpointReport) => control.send({ type: 'checkpointed', ...r }, 10_000),
    };
    await Promise.race([
      runWindows({ plan, planVersion: resumed?.planVersion ?? 0, model, rank, stage, stages, replicated: ranks.length > 1, first: resumed?.first ?? 0, end: cfg.numMinibatches, state, executor, checkpoint }),
      shutdown,
    ]);
    await log?.close();
    log = undefined;
    if (cfg.saveWeightsDir) {
      await mkdir(cfg.saveWeightsDir, { recursive: true });
      const file = join(cfg.saveWeightsDir, `stage-${stage}.rank-${rank}.weights`);
      await writeFile(file, encodeTensors(await paramsToHost(state.params), { stage, rank, version: state.version }));
    }
    await control.send({ type: 'done', rank }, 10_000);
  } catch (e) {
    await control.send({ type: 'error', rank, message: (e as Error).message.slice(0, 3900) }, 2_000).catch(() => undefined);
    throw e;
  } finally {
    await log?.close().catch(() => undefined);
    executor?.dispose();
    state?.dispose();
    await plane.close();
    await control.close();
  }
}

/** Middle stages read no data. */
function emptyDataset(): Dataset {
  return {
    name: 'none', split: 'train', size: 0, inputShape: [], inputDtype: 'float32', labelShape: [], numClasses: 0,
    gather: () => {
      throw new DynpipeError('E_DATA', 'a middle stage reads no data');
    },
  };
}
