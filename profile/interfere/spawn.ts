/**
 * The parent side of interference generators: starts each as its own process (child.ts), pinned
 * with `taskset -c` when cores are given and taskset exists, and owns them until stopped.
 *
 * Process layout: cpu and membw start one single-threaded process per listed core, each pinned to
 * its core (no cores: one unpinned process); gpu starts one process. Every child is connected by
 * IPC and exits when its parent goes away (lifeline.ts), so SIGKILL of the parent leaves no orphans;
 * `killAllNow` is for a parent's 'exit' handler, `stopAll` for an orderly stop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynpipeError } from '../../runtime/errors.js';
import { formatInterferer, type InterfererSpec } from '../../predictor/mix.js';
import type { ChildMessage, ChildSpec, ParentMessage } from './child.js';

export interface GeneratorOptions {
  periodMs: number;
  bufferMb: number;
  matrixSize: number;
  /** Deadline for a child to report ready. */
  readyTimeoutMs: number;
  /** Deadline for a child to exit after SIGTERM before it gets SIGKILL. */
  stopTimeoutMs: number;
}

export const DEFAULT_GENERATOR_OPTIONS: GeneratorOptions = { periodMs: 100, bufferMb: 64, matrixSize: 256, readyTimeoutMs: 15000, stopTimeoutMs: 2000 };

export interface RunningGenerator {
  spec: InterfererSpec;
  pids: number[];
  /** false when cores were asked for but taskset is missing (the load then floats). */
  pinned: boolean;
  /** What each child reported when ready (e.g. the GPU adapter). */
  details: string[];
  /** Resolves once every process of the generator has stopped working (it stays alive, idle). */
  pause(): Promise<void>;
  /** Resolves once every process works again. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

/** A launched generator process and the tail of its stderr (Dawn and Node write diagnostics there). */
interface Child {
  proc: ChildProcess;
  stderrTail(): string;
}

const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));

/** Path of an executable on PATH, or null. */
export function findOnPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

export class GeneratorGroup {
  private readonly live = new Set<ChildProcess>();
  private readonly options: GeneratorOptions;
  private readonly taskset: string | null;

  constructor(options: Partial<GeneratorOptions> = {}) {
    this.options = { ...DEFAULT_GENERATOR_OPTIONS, ...options };
    this.taskset = findOnPath('taskset');
  }

  get pids(): number[] {
    return [...this.live].map((c) => c.pid).filter((p): p is number => p !== undefined);
  }

  /** Starts the processes of one interferer and resolves once all report ready. */
  async start(spec: InterfererSpec): Promise<RunningGenerator> {
    if (spec.kind === 'net') {
      throw new DynpipeError('E_USAGE', `${formatInterferer(spec)}: net interference is a send-delay hook inside a worker, not a process`);
    }
    const o = this.options;
    const child: ChildSpec = { kind: spec.kind, intensity: spec.intensity, periodMs: o.periodMs, bufferMb: o.bufferMb, matrixSize: o.matrixSize, device: spec.kind === 'gpu' ? spec.device : 0 };
    const placements: Array<number | null> = spec.kind === 'gpu' || spec.cores.length === 0 ? [null] : [...spec.cores];
    const procs = placements.map((core) => this.launch(child, core));
    const stop = async (): Promise<void> => {
      await Promise.all(procs.map((p) => this.stopOne(p.proc)));
    };
    try {
      const details = await Promise.all(procs.map((p) => this.ready(p, spec)));
      const wantsPin = placements.some((c) => c !== null);
      return {
        spec,
        pids: procs.map((p) => p.proc.pid ?? -1),
        pinned: !wantsPin || this.taskset !== null,
        details,
        pause: () => this.command(procs, spec, { type: 'pause' }, 'paused'),
        resume: () => this.command(procs, spec, { type: 'resume' }, 'resumed'),
        stop,
      };
    } catch (e) {
      await stop();
      throw e;
    }
  }

  /** Stops every live child: SIGTERM, then SIGKILL after the stop deadline. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.live].map((c) => this.stopOne(c)));
  }

  /** Synchronous last resort for a parent's 'exit' handler: SIGKILL every live child. */
  killAllNow(): void {
    for (const c of this.live) c.kill('SIGKILL');
  }

  private launch(spec: ChildSpec, core: number | null): Child {
    const node = [process.execPath, CHILD, JSON.stringify(spec)];
    const argv = core !== null && this.taskset ? [this.taskset, '-c', String(core), ...node] : node;
    const c = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    c.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    c.once('exit', () => this.live.delete(c));
    this.live.add(c);
    return { proc: c, stderrTail: () => stderr };
  }

  private ready(child: Child, spec: InterfererSpec): Promise<string> {
    return this.awaitMessage(child, spec, 'ready', (m) => (m.type === 'ready' ? m.detail : undefined));
  }

  /** Sends `message` to every child and resolves once each acknowledged it with `ack`. */
  private async command(procs: readonly Child[], spec: InterfererSpec, message: ParentMessage, ack: ChildMessage['type']): Promise<void> {
    await Promise.all(
      procs.map((p) => {
        const acked = this.awaitMessage(p, spec, `${message.type}d`, (m) => (m.type === ack ? ack : undefined));
        p.proc.send(message);
        return acked;
      }),
    );
  }

  /**
   * Resolves with `accept(m)` for the first message it accepts; rejects on an error message, on
   * exit, or after the ready deadline (`doing` names the awaited state in that error).
   */
  private awaitMessage(child: Child, spec: InterfererSpec, doing: string, accept: (m: ChildMessage) => string | undefined): Promise<string> {
    const c = child.proc;
    const what = `${formatInterferer(spec)} (pid ${c.pid})`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new DynpipeError('E_PEER_TIMEOUT', `${what}: generator not ${doing} after ${this.options.readyTimeoutMs} ms`)), this.options.readyTimeoutMs);
      const onMessage = (m: ChildMessage): void => {
        if (m.type === 'error') return done(new DynpipeError(spec.kind === 'gpu' ? 'E_BACKEND' : 'E_PEER_FAILED', `${what}: ${m.message}`));
        const accepted = accept(m);
        if (accepted !== undefined) done(accepted);
      };
      const onExit = (code: number | null, signal: string | null): void => {
        const tail = (child.stderrTail().trim().split('\n').at(-1) ?? '').trim();
        done(new DynpipeError('E_PEER_FAILED', `${what}: generator exited (${signal ?? `code ${code}`}) before it was ${doing}${tail ? `: ${tail}` : ''}`));
      };
      const onError = (e: Error): void => done(new DynpipeError('E_PEER_FAILED', `${what}: ${doing === 'ready' ? 'cannot start' : `not ${doing}`}: ${e.message}`));
      const done = (r: string | Error): void => {
        clearTimeout(timer);
        c.off('message', onMessage);
        c.off('exit', onExit);
        c.off('error', onError);
        if (typeof r === 'string') resolve(r);
        else reject(r);
      };
      c.on('message', onMessage);
      c.on('exit', onExit);
      c.on('error', onError);
    });
  }

  private stopOne(c: ChildProcess): Promise<void> {
    if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => c.kill('SIGKILL'), this.options.stopTimeoutMs);
      c.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      c.kill('SIGTERM');
    });
  }
}
