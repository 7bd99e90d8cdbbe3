/**
 * Interference traces: a CSV schedule an experiment replays exactly, and the controller that
 * starts and stops generators at the trace times.
 *
 *   t_start,t_end,kind,target,intensity      (seconds from the start of the run)
 *   0,10,cpu,0,1                             one busy process on core 0, full duty
 *   5,20,membw,"0,1",0.5                     streaming copies on cores 0 and 1, half duty
 *   12,18,gpu,0,0.3                          WebGPU matmul loop on adapter 0, 30% duty
 *   15,25,net,2,1                            delay + jitter on rank 2's sends (transport hook)
 *
 * Lines starting with '#' are comments; `target` is a core list for cpu/membw ('*' or empty = any
 * core), an adapter index for gpu and a rank for net. `t_end` may be `inf`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DynpipeError } from '../../runtime/errors.js';
import { FieldReader, parseCsvTable } from '../../predictor/csv-table.js';
import { INTERFERER_KINDS, formatInterferer, interfererSpec, type InterfererSpec } from '../../predictor/mix.js';
import type { SendDelay } from '../../predictor/collect.js';
import { combineDelays, netDelayHook } from './net.js';

export const SCHEDULE_COLUMNS = ['t_start', 't_end', 'kind', 'target', 'intensity'] as const;

export interface ScheduleEvent {
  /** 1-based line in the file (0 for events built in code). */
  line: number;
  startS: number;
  /** Infinity: runs until the controller is stopped. */
  endS: number;
  spec: InterfererSpec;
}

/** Parses a schedule; each error names `where`, the line and the field (E_USAGE). */
export function parseSchedule(text: string, where: string): ScheduleEvent[] {
  const records = parseCsvTable(text, where, SCHEDULE_COLUMNS, 'E_USAGE');
  if (records.length === 0) throw new DynpipeError('E_USAGE', `${where}: the schedule has no events`);
  return records.map((rec) => {
    const f = new FieldReader(where, rec, 'E_USAGE');
    const startS = f.number('t_start', 0);
    const endS = /^\+?inf(inity)?$/i.test(f.text('t_end')) ? Infinity : f.number('t_end', 0);
    if (endS <= startS) f.fail('t_end', `must be after t_start (${startS}), got ${endS}`);
    const kind = f.oneOf('kind', INTERFERER_KINDS);
    const intensity = f.number('intensity', 0, 1);
    if (intensity === 0) f.fail('intensity', 'must be > 0 (leave the line out for no load)');
    const spec = ((): InterfererSpec => {
      try {
        return interfererSpec(kind, f.text('target'), intensity, 'E_USAGE', 'target');
      } catch (e) {
        return f.fail('target', (e as Error).message.replace(/^target: /, ''));
      }
    })();
    return { line: rec.line, startS, endS, spec };
  });
}

/** A started interferer process group, as the controller sees it. */
export interface StartedInterferer {
  stop(): Promise<void>;
}

export interface ControllerIo<T extends StartedInterferer> {
  /** Starts a process generator (cpu, membw, gpu). */
  start(spec: InterfererSpec): Promise<T>;
  /** Installs (or with null removes) the send delay of `rank`; required when the trace has net events. */
  setSendDelay?(rank: number, delay: SendDelay | null): void;
  /** Called after each start and stop, for logs. */
  onChange?(what: 'start' | 'stop', event: ScheduleEvent, started?: T): void;
}

type Action = { atS: number; what: 'start' | 'stop'; index: number };

/**
 * Replays a schedule: each event starts at `startS` and stops at `endS` seconds after `run` begins.
 * At equal times stops come before starts. Whatever happens (end of trace, abort, failure), `run`
 * stops everything it started before it settles.
 */
export class InterferenceController<T extends StartedInterferer = StartedInterferer> {
  private readonly running = new Map<number, T>();
  private readonly net = new Map<number, Map<number, SendDelay>>(); // rank -> event index -> hook

  constructor(
    private readonly events: readonly ScheduleEvent[],
    private readonly io: ControllerIo<T>,
  ) {
    const net = events.find((e) => e.spec.kind === 'net');
    if (net && !io.setSendDelay) {
      throw new DynpipeError('E_USAGE', `${net.line > 0 ? `line ${net.line}: ` : ''}${formatInterferer(net.spec)}: net interference needs a transport to delay (run it inside a worker)`);
    }
  }

  /** The timeline of actions, in the order they run. */
  actions(): Action[] {
    const out: Action[] = [];
    this.events.forEach((e, index) => {
      out.push({ atS: e.startS, what: 'start', index });
      if (Number.isFinite(e.endS)) out.push({ atS: e.endS, what: 'stop', index });
    });
    return out.sort((a, b) => a.atS - b.atS || (a.what === b.what ? a.index - b.index : a.what === 'stop' ? -1 : 1));
  }

  /** Runs the trace to its last finite end (or until `signal` aborts, when some event never ends). */
  async run(signal?: AbortSignal): Promise<void> {
    const t0 = performance.now();
    try {
      for (const a of this.actions()) {
        const waitMs = a.atS * 1000 - (performance.now() - t0);
        if (waitMs > 0) await sleep(waitMs, undefined, { signal });
        signal?.throwIfAborted();
        if (a.what === 'start') await this.startEvent(a.index);
        else await this.stopEvent(a.index);
      }
      if (this.running.size > 0 || this.net.size > 0) await sleep(2 ** 31 - 1, undefined, { signal });
    } catch (e) {
      if (!signal?.aborted) throw e;
    } finally {
      await this.stopAll();
    }
  }

  /** Stops every running event now. */
  async stopAll(): Promise<void> {
    const indexes = [...this.running.keys(), ...[...this.net.values()].flatMap((m) => [...m.keys()])];
    await Promise.all(indexes.map((i) => this.stopEvent(i)));
  }

  private async startEvent(index: number): Promise<void> {
    const e = this.events[index];
    if (e.spec.kind === 'net') {
      const hooks = this.net.get(e.spec.rank) ?? new Map<number, SendDelay>();
      hooks.set(index, netDelayHook(e.spec.intensity, { seed: index + 1 }));
      this.net.set(e.spec.rank, hooks);
      this.io.setSendDelay?.(e.spec.rank, combineDelays([...hooks.values()]));
      this.io.onChange?.('start', e);
      return;
    }
    const started = await this.io.start(e.spec);
    this.running.set(index, started);
    this.io.onChange?.('start', e, started);
  }

  private async stopEvent(index: number): Promise<void> {
    const e = this.events[index];
    if (e.spec.kind === 'net') {
      const hooks = this.net.get(e.spec.rank);
      if (!hooks?.delete(index)) return;
      if (hooks.size === 0) this.net.delete(e.spec.rank);
      this.io.setSendDelay?.(e.spec.rank, combineDelays([...hooks.values()]));
      this.io.onChange?.('stop', e);
      return;
    }
    const started = this.running.get(index);
    if (!started) return;
    this.running.delete(index);
    await started.stop();
    this.io.onChange?.('stop', e, started);
  }
}
