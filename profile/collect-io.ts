/**
 * The real effects behind the collection loop (predictor/collect.ts): stage workloads timed on the
 * current tfjs backend (the caller selected it), interferers as generator processes that pause on
 * request, host observations from /proc/stat and nvidia-smi. Used by `dynpipe predictor collect`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ModelSpec } from '../runtime/models/block.js';
import { workloadId, type CollectIo, type RunningMix, type SendDelay, type Workload, type WorkloadRun } from '../predictor/collect.js';
import { rangeFeatures } from '../predictor/features.js';
import type { HostObservation } from '../predictor/observation.js';
import type { Mix } from '../predictor/mix.js';
import type { HostSampler } from '../runtime/stats/host-stats.js';
import { combineDelays, netDelayHook } from './interfere/net.js';
import type { GeneratorGroup, RunningGenerator } from './interfere/spawn.js';
import { createStageTimer, type StageTimer } from './stage-workload.js';

export interface ProcessCollectOptions {
  sampler: HostSampler;
  group: GeneratorGroup;
  /** Timed microbatches per workload run. */
  microbatches: number;
  /** Wait after starting a mix's generators before measuring (pauses and resumes do not wait). */
  settleMs: number;
  /** Seeds workload tensors and net jitter. */
  seed: number;
}

export class ProcessCollectIo implements CollectIo {
  private readonly timers = new Map<string, () => Promise<StageTimer>>();
  private readonly created: StageTimer[] = [];

  constructor(private readonly o: ProcessCollectOptions) {}

  /** Registers blocks [start, end) of `spec` at `batch` as a workload; its tensors are built on first run. */
  addWorkload(spec: ModelSpec, start: number, end: number, batch: number): Workload {
    const id = workloadId(spec.name, start, end, batch);
    const features = rangeFeatures(spec, start, end, batch);
    let timer: Promise<StageTimer> | undefined;
    this.timers.set(id, () =>
      (timer ??= createStageTimer(spec, start, end, batch, this.o.seed).then((t) => {
        this.created.push(t);
        return t;
      })),
    );
    return { id, static: features };
  }

  async runWorkload(w: Workload, sendDelay: SendDelay | null): Promise<WorkloadRun> {
    const timer = this.timers.get(w.id);
    if (!timer) throw new Error(`workload ${w.id} was not added`);
    return (await timer()).run(this.o.microbatches, sendDelay);
  }

  async startMix(mix: Mix): Promise<RunningMix> {
    const started: RunningGenerator[] = [];
    const each = (f: (g: RunningGenerator) => Promise<void>) => async (): Promise<void> => void (await Promise.all(started.map(f)));
    const stop = each((g) => g.stop());
    try {
      for (const spec of mix) if (spec.kind !== 'net') started.push(await this.o.group.start(spec));
    } catch (e) {
      await stop();
      throw e;
    }
    if (started.length > 0) await sleep(this.o.settleMs);
    const net = mix.flatMap((s, i) => (s.kind === 'net' ? [netDelayHook(s.intensity, { seed: this.o.seed + i })] : []));
    return { sendDelay: combineDelays(net), pause: each((g) => g.pause()), resume: each((g) => g.resume()), stop };
  }

  async openWindow(): Promise<() => Promise<HostObservation>> {
    return this.o.sampler.begin();
  }

  /** Stops every generator and frees the workloads' tensors. */
  async close(): Promise<void> {
    await this.o.group.stopAll();
    for (const t of this.created.splice(0)) t.dispose();
  }
}
