/**
 * One pipeline rank: joins the coordinator, builds its stage from the plan (or a checkpoint), runs
 * the schedule's instruction stream window by window, logs every microbatch (rank CSV) and reports
 * stats; on any failure it tells the coordinator and ends. A `shutdown` from the coordinator
 * (another rank failed) ends it within one control round trip: pending receives fail at once
 * because the data plane is closed.
 *
 * Modes: `pipedream` runs one window [start, end) straight through, exactly as a static pipeline.
 * The others run cuttable windows (migration/cut-window.ts): when the coordinator agrees a cut M
 * with every rank, the window ends drained at M, the rank changes plan (cutover.ts: live migration,
 * or checkpoint and exit for dynpipe-re) and the next window starts at M under the new plan.
 *
 * Checkpoints: with `checkpoint.every` K the windows also end at every multiple of K, where the
 * rank writes its file of that set and reports it (checkpoint-windows.ts); a cut agreed at or past
 * such a boundary is applied by the next window. A resumed rank (`resume`) starts at its set's cut.
 */
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Plan } from '../plan/plan.js';
import { inFlight, stageRanges } from '../plan/plan.js';
import { selectBackend, type BackendName } from '../backend/select.js';
import { buildModel } from '../models/zoo.js';
import { openDataset } from '../data/registry.js';
import type { Dataset } from '../data/dataset.js';
import { ControlClient } from '../transport/control.js';
import { createSchedule, type ScheduleOptions } from '../schedule/schedule.js';
import type { RankLogWriter } from '../log/rank-log-files.js';
import { encodeTensors } from '../checkpoint/tensor-file.js';
import { paramsToHost } from '../checkpoint/host-params.js';
import { CheckpointStore } from '../checkpoint/checkpoint-store.js';
import { CUT_EXTRAS } from '../checkpoint/manifest.js';
import { type CutDecision, CutWindow } from '../migration/cut-window.js';
import { DynpipeError } from '../errors.js';
import { MicrobatchSampler } from './microbatches.js';
import type { StageState } from './stage-state.js';
import { StageExecutor, type MicrobatchTiming, type StageTopology } from './executor.js';
import { freshState, stageTopology } from './stage-setup.js';
import { type CheckpointReport, checkCheckpointEvery, saveStage, windowEnd } from './checkpoint-windows.js';
import { type ResumePoint, openResumePoint, resumeStage } from './resume-stage.js';
import { PlanChangeListener } from './plan-change.js';
import { type CutoverContext, dumpState, liveCutover, restartCutover } from './cutover.js';
import { openRankLog } from './rank-log-open.js';
import { jobClock } from './job-clock.js';
import { type SlowSpan, slowFactor } from './bench-slowdown.js';
import { type NetDelaySpan, scheduleNetDelay } from './net-delay-spans.js';
import { WeightSnapshots } from './weight-snapshots.js';
import { HostSampler } from '../stats/host-stats.js';
import type { HostObservation } from '../../predictor/observation.js';
import { joinJob, openDataPlane, type DataBind } from './rendezvous.js';
import type { CurveKeys } from '../transport/curve-keys.js';
import { simulateNetworkCut } from '../transport/link-cut.js';

export type Mode = 'pipedream' | 'simple' | 'dynpipe-re' | 'dynpipe';

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
  /** Where this rank's data socket binds: an ipc path for ranks on this host, a tcp port for others. */
  bind: DataBind;
  recvTimeoutMs: number;
  /** Give up on the coordinator after this long without an answer (default: never). */
  coordinatorTimeoutMs?: number;
  rendezvousTimeoutMs: number;
  saveWeightsDir?: string;
  mode: Mode;
  /** Epoch ms of the job's start (the job clock's zero, shared by all processes); default: now. */
  jobStartMs?: number;
  /** Continue from a checkpoint: a set directory, or a store root (its newest complete set). */
  resumeDir?: string;
  /** With resumeDir: the cut microbatch the caller expects (checked against the checkpoint). */
  startMicrobatch?: number;
  /** This process continues a running job after a dynpipe-re restart: keep its log, log the restart. */
  restarted?: boolean;
  /**
   * The checkpoint store (checkpoint/checkpoint-store.ts): sets at plan changes' cuts (required by
   * dynpipe-re; live migration checkpoints before moving when set), and with `checkpointEvery` K
   * a set after every K microbatches (drained windows, checkpoint-windows.ts).
   */
  checkpointDir?: string;
  checkpointEvery?: number;
  /** The job's CURVE key pair (transport/curve-keys.ts); without it sockets are unauthenticated. */
  curve?: CurveKeys;
  /** TEST HOOK: this rank's network goes down this many ms after it registered (control messages dropped, data sends stall). */
  networkCutAfterMs?: number;
  /** Deadline of every step of a plan change. */
  migrationTimeoutMs: number;
  /** DIAGNOSTIC HOOK: after each plan change this rank's state goes to <dir>/post-v<version>/. */
  dumpDir?: string;
  /** Job-clock spans during which this rank's sends are delayed like a net interferer (net-delay-spans.ts). */
  netDelay?: readonly NetDelaySpan[];
  /** Every `every` microbatches, this rank's weights go to `dir` (weight-snapshots.ts). */
  snapshots?: { dir: string; every: number };
  /** BENCH HOOK (bench-slowdown.ts): spans during which ranks compute slower. */
  benchSlow?: readonly SlowSpan[];
  /** TEST HOOK: called after each tensor a migration sent. */
  afterEntrySent?(to: number, index: number): void;
  /** Every this many microbatches, sample the host's counters and report them (the predictor's features). */
  hostStatsEvery?: number;
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

function scheduleOptions(plan: Plan, topo: StageTopology, first: number, end: number, v0: number): ScheduleOptions & { first: number } {
  return {
    stages: topo.stages, stage: topo.stage, first, microbatches: end - first, v0, inFlight: inFlight(plan),
    microbatchesPerStep: plan.schedule === 'gpipe' ? plan.microbatches_per_step : undefined, replicated: topo.ranks.length > 1,
  };
}

export async function runWorker(cfg: WorkerConfig): Promise<void> {
  const { rank } = cfg;
  const backend = await selectBackend(cfg.backend);
  const model = buildModel(cfg.plan.model.name, cfg.plan.model.args);
  if (model.blocks.length !== cfg.plan.num_blocks) {
    throw new DynpipeError('E_PLAN_INVALID', `plan has ${cfg.plan.num_blocks} blocks but model ${model.name} with these args has ${model.blocks.length}`);
  }
  let trainSet: Dataset | undefined;
  const dataFor = (topo: StageTopology): Dataset => {
    if (topo.stage !== 0 && topo.stage !== topo.stages - 1) return emptyDataset();
    if (!trainSet) {
      trainSet = openTrainSet(cfg);
      if (trainSet.inputShape.join('x') !== model.inputShape.join('x') || trainSet.inputDtype !== model.inputDtype) {
        throw new DynpipeError('E_MODEL', `model ${model.name} takes ${model.inputDtype}[${model.inputShape}] but dataset ${trainSet.name} gives ${trainSet.inputDtype}[${trainSet.inputShape}]`);
      }
    }
    return trainSet;
  };
  const clock = jobClock(cfg.jobStartMs);
  if (cfg.checkpointEvery !== undefined) {
    if (!cfg.checkpointDir) throw new DynpipeError('E_USAGE', '--checkpoint-every needs --checkpoint-dir (where the checkpoints go)');
    checkCheckpointEvery(cfg.plan, cfg.checkpointEvery);
  }
  const resumed: ResumePoint | undefined = cfg.resumeDir ? await openResumePoint(cfg.resumeDir, cfg.plan, cfg.numMinibatches, cfg.say) : undefined;
  if (resumed && cfg.startMicrobatch !== undefined && cfg.startMicrobatch !== resumed.first) {
    throw new DynpipeError('E_USAGE', `--start-microbatch ${cfg.startMicrobatch} does not match checkpoint ${resumed.set.dir}, cut at microbatch ${resumed.first}`);
  }
  const store = cfg.checkpointDir ? new CheckpointStore(cfg.checkpointDir) : undefined;
  let plan = cfg.plan;
  let planVersion = resumed?.planVersion ?? 0;
  let first = resumed?.first ?? 0;

  const control = ControlClient.open({ rank, coordinator: cfg.coordinator, coordinatorTimeoutMs: cfg.coordinatorTimeoutMs, onReject: (e) => cfg.say(e.message), curve: cfg.curve });
  // The plan version is set before the rendezvous: no peer sends before it, so nothing is dropped.
  const plane = await openDataPlane(rank, cfg.bind, planVersion, (e) => cfg.say(e.message), cfg.curve);
  const cancelNetDelay = cfg.netDelay?.length ? scheduleNetDelay(cfg.netDelay, clock, (d) => plane.setSendDelay(d ?? undefined)) : undefined;
  let state: StageState | undefined;
  let executor: StageExecutor | undefined;
  let log: RankLogWriter | undefined;
  let listener: PlanChangeListener | undefined;
  let finished = false;
  const snapshots = cfg.snapshots ? new WeightSnapshots(cfg.snapshots.dir, cfg.snapshots.every, rank) : undefined;
  try {
    const endpoints = await joinJob(control, plane, { timeoutMs: cfg.rendezvousTimeoutMs, say: cfg.say });
    control.startHeartbeat(500);
    if (cfg.networkCutAfterMs !== undefined) simulateNetworkCut(control, plane, Date.now() + cfg.networkCutAfterMs);
    const shutdown = control.next(['shutdown'], 2 ** 31 - 1).then((m) => {
      throw new DynpipeError('E_PEER_FAILED', `rank ${rank}: stopped by the coordinator: ${m.reason}`);
    });
    shutdown.catch(() => undefined);

    let live = resumed ? await resumeStage(resumed.set, model, plan, rank) : freshState(model, plan, rank);
    state = live;
    if (cfg.logDir) log = await openRankLog(cfg.logDir, rank, cfg.restarted === true);
    let window: CutWindow | undefined;
    listener = cfg.mode === 'pipedream' ? undefined : new PlanChangeListener({ rank, control, planVersion: () => planVersion, nextForward: () => window?.nextForward ?? first });
    listener?.start();
    const stopped = listener ? Promise.race([shutdown, listener.failed]) : shutdown;
    const race = <T>(p: Promise<T>): Promise<T> => Promise.race([p, stopped]);
    const ctx: CutoverContext = {
      rank, model, plane, control, endpoints, clock, timeoutMs: cfg.migrationTimeoutMs, store, dumpDir: cfg.dumpDir, afterEntrySent: cfg.afterEntrySent,
    };
    const report = (r: CheckpointReport): Promise<void> => control.send({ type: 'checkpointed', ...r }, 10_000);
    // Host counters for the predictor: one window every hostStatsEvery microbatches, reported with
    // the first microbatch's stats after the window closed.
    const sampler = cfg.hostStatsEvery ? new HostSampler({ gpuIndex: backend.name === 'webgpu' ? cfg.localRank : null }) : undefined;
    let endHostWindow = sampler?.begin();
    let sinceHostWindow = 0;
    let hostReady: HostObservation | undefined;
    const takeHost = (): HostObservation | undefined => {
      if (sampler && ++sinceHostWindow >= cfg.hostStatsEvery!) {
        sinceHostWindow = 0;
        const end = endHostWindow!;
        endHostWindow = sampler.begin();
        end().then((h) => (hostReady = h), (e: unknown) => cfg.say(`rank ${rank}: host counters not sampled: ${(e as Error).message}`));
      }
      const h = hostReady;
      hostReady = undefined;
      return h;
    };
    const slow = cfg.benchSlow;
    const slowdown = slow && slow.length > 0 ? (mb: number) => slowFactor(slow, rank, clock(), mb) : undefined;

    if (resumed) cfg.say(`rank ${rank}: resuming from ${resumed.set.dir} at microbatch ${first} (weight version ${live.version}, plan version ${planVersion})`);
    const restart = resumed && cfg.restarted ? restartOfCut(resumed) : undefined;
    if (restart) {
      await dumpState(ctx, live, planVersion);
      const drainedAt = restart.drainedAtMs[rank] ?? 0;
      const pause = clock() - drainedAt;
      log?.append({ row: 'repartition', time_ms: drainedAt, rank, stage: stageTopology(plan, rank).stage, plan_version: planVersion, iteration: first, pause_ms: pause, old_partition: restart.previousPartition, new_partition: plan.partition, detail: 'mode=dynpipe-re restart from checkpoint' });
      cfg.say(`rank ${rank}: restarted under plan version ${planVersion} [${plan.partition.join(', ')}] at microbatch ${first}, ${pause.toFixed(0)} ms after the cut`);
    }

    while (first < cfg.numMinibatches) {
      const topo = stageTopology(plan, rank);
      for (const r of new Set([...topo.prevRanks, ...topo.nextRanks, ...topo.ranks])) {
        if (r === rank) continue;
        const e = endpoints.get(r);
        if (!e) throw new DynpipeError('E_PEER_FAILED', `rank ${rank}: coordinator sent no endpoint for rank ${r}`);
        plane.connect(r, e);
      }
      const dataset = dataFor(topo);
      const sampler = new MicrobatchSampler(dataset.size || 1, plan.microbatch_size, plan.training.seed);
      if (dataset.size > 0 && sampler.perEpoch === 0) throw new DynpipeError('E_USAGE', `microbatch size ${plan.microbatch_size} exceeds the dataset's ${dataset.size} samples`);
      const version = planVersion;
      const onMicrobatch = (t: MicrobatchTiming): void => {
        const time = clock();
        const busy = t.forwardMs + t.backwardMs + t.optimizerMs + t.recvWaitMs + t.sendWaitMs;
        log?.append({
          row: 'step', time_ms: time, rank, stage: topo.stage, plan_version: version, iteration: t.mb, microbatch: t.mb,
          forward_ms: t.forwardMs, backward_ms: t.backwardMs, recv_wait_ms: t.recvWaitMs, send_wait_ms: t.sendWaitMs,
          optimizer_ms: t.optimizerMs, loss: t.loss, samples_per_s: busy > 0 ? (1000 * t.rows) / busy : 0,
        });
        const host = takeHost();
        void control
          .send({ type: 'stats', rank, stats: { mb: t.mb, stage: topo.stage, plan_version: version, time_ms: time, forward_ms: t.forwardMs, backward_ms: t.backwardMs, recv_wait_ms: t.recvWaitMs, send_wait_ms: t.sendWaitMs, optimizer_ms: t.optimizerMs, rows: t.rows, ...(t.loss !== undefined ? { loss: t.loss } : {}), ...(host ? { host } : {}) } }, 10_000)
          .catch((e: unknown) => cfg.say(`rank ${rank}: stats not delivered: ${(e as Error).message}`));
        if (t.mb % 50 === 0) void log?.flush().catch(() => undefined);
        snapshots?.after(t.mb, live.params, { stage: topo.stage, planVersion: version, timeMs: time });
      };
      executor = new StageExecutor({ topology: topo, state: live, plane, dataset, sampler, recvTimeoutMs: cfg.recvTimeoutMs, onMicrobatch, slowdown });
      const range = stageRanges(plan)[topo.stage];
      cfg.say(`rank ${rank} (pid ${process.pid}): stage ${topo.stage} blocks [${range[0]}, ${range[1]}) on ${backend.name}; microbatches [${first}, ${cfg.numMinibatches}) plan version ${planVersion}`);
      // Windows under this plan, each ending drained: at a periodic checkpoint, at a cut, or at the end.
      let cut: CutDecision | undefined;
      while (first < cfg.numMinibatches && !cut) {
        const end = windowEnd(first, cfg.numMinibatches, cfg.checkpointEvery);
        const options = scheduleOptions(plan, topo, first, end, live.version);
        if (listener) {
          window = new CutWindow({ kind: plan.schedule, schedule: options, gate: listener.gate, holdTimeoutMs: cfg.migrationTimeoutMs, who: `rank ${rank}` });
          await race(executor.run(window));
          cut = window.cut;
          if (window.deferred) listener.gate.decide(window.deferred); // a cut beyond this window: the next one applies it
        } else {
          await race(executor.run(createSchedule(plan.schedule, options)));
        }
        if (cut) break;
        if (store && cfg.checkpointEvery && end % cfg.checkpointEvery === 0) {
          const record = await race(saveStage(store, model, live, { rank, cut: end, planVersion, plan }));
          await race(report({ ...record, cut: end, planVersion, weightVersion: live.version }));
        }
        first = end;
      }
      executor.dispose();
      executor = undefined;
      if (!cut) break;
      const change = listener!.changeFor(cut);
      if (cfg.mode === 'dynpipe-re') {
        await race(restartCutover(ctx, live, plan, change));
        cfg.say(`rank ${rank}: checkpointed at microbatch ${change.cutAt}; exiting for the restart under plan version ${change.planVersion}`);
        await snapshots?.flush();
        return;
      }
      const moved = await race(liveCutover(ctx, live, plan, change));
      log?.append({
        row: 'repartition', time_ms: moved.drainedAtMs, rank, stage: stageTopology(change.plan, rank).stage, plan_version: change.planVersion, iteration: change.cutAt,
        pause_ms: moved.pauseMs, old_partition: plan.partition, new_partition: change.plan.partition,
        detail: `mode=${cfg.mode} sent_bytes=${moved.sentBytes} received_bytes=${moved.receivedBytes} blocks_out=${moved.sentBlocks.join('-') || 'none'} blocks_in=${moved.receivedBlocks.join('-') || 'none'}`,
      });
      cfg.say(`rank ${rank}: plan version ${change.planVersion} [${change.plan.partition.join(', ')}] from microbatch ${change.cutAt}, paused ${moved.pauseMs.toFixed(1)} ms`);
      live = moved.state;
      state = live;
      plan = change.plan;
      planVersion = change.planVersion;
      first = change.cutAt;
    }
    await log?.close();
    log = undefined;
    await snapshots?.flush();
    if (cfg.saveWeightsDir) {
      const stage = stageTopology(plan, rank).stage;
      await mkdir(cfg.saveWeightsDir, { recursive: true });
      const file = join(cfg.saveWeightsDir, `stage-${stage}.rank-${rank}.weights`);
      await writeFile(file, encodeTensors(await paramsToHost(live.params), { stage, rank, version: live.version }));
    }
    await control.send({ type: 'done', rank }, 10_000);
    finished = true;
  } catch (e) {
    await control.send({ type: 'error', rank, message: (e as Error).message.slice(0, 3900) }, 2_000).catch(() => undefined);
    throw e;
  } finally {
    cancelNetDelay?.();
    listener?.stop();
    await log?.close().catch(() => undefined);
    executor?.dispose();
    state?.dispose();
    // A rank that finished may still have its last sends queued: let them out (see DataPlane.close).
    await plane.close({ lingerMs: finished ? 10_000 : 0 });
    await control.close();
  }
}

/** The plan change a set was taken at (dynpipe-re), as cutover-driver.ts records it in the manifest's extras. */
function restartOfCut(resumed: ResumePoint): { drainedAtMs: number[]; previousPartition: number[] } | undefined {
  const extra = resumed.set.manifest.extra;
  const drained = extra?.[CUT_EXTRAS.drainedAtMs];
  const previous = extra?.[CUT_EXTRAS.previousPartition];
  return Array.isArray(drained) && Array.isArray(previous) ? { drainedAtMs: drained, previousPartition: previous } : undefined;
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
