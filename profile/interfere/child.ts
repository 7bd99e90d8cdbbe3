/**
 * Entry point of one generator process: `node child.js '<ChildSpec JSON>'`, started by spawn.ts with
 * an IPC channel. It prepares its load (table below, one file per kind), reports
 * `{type: 'ready', detail}` or `{type: 'error', message}`, then runs the duty cycle until its parent
 * stops it or goes away (lifeline.ts). The parent may send `{type: 'pause'}` and `{type: 'resume'}`;
 * each is acknowledged (`paused`, `resumed`) once no step is running and none will start (pause)
 * or steps may run again (resume).
 */
import { runDutyCycle, type Step } from './duty-cycle.js';
import { PauseGate } from './pause-gate.js';
import { watchParent } from './lifeline.js';
import { cpuStep } from './cpu.js';
import { membwStep } from './membw.js';
import { gpuLoop } from './gpu.js';

export interface ChildSpec {
  kind: 'cpu' | 'membw' | 'gpu';
  intensity: number;
  periodMs: number;
  /** membw: buffer size, MiB. */
  bufferMb: number;
  /** gpu: n of the n x n multiply. */
  matrixSize: number;
  /** gpu: adapter index. */
  device: number;
}

export type ChildMessage = { type: 'ready'; detail: string } | { type: 'error'; message: string } | { type: 'paused' } | { type: 'resumed' };

export type ParentMessage = { type: 'pause' } | { type: 'resume' };

interface Prepared {
  step: Step;
  detail: string;
  close(): void;
}

const PREPARE: { [K in ChildSpec['kind']]: (s: ChildSpec) => Promise<Prepared> } = {
  cpu: async () => ({ step: cpuStep(), detail: 'busy loop', close: () => undefined }),
  membw: async (s) => ({ step: membwStep(s.bufferMb), detail: `copying ${s.bufferMb} MiB`, close: () => undefined }),
  gpu: async (s) => {
    const loop = await gpuLoop(s.matrixSize, s.device);
    return { step: loop.step, detail: `${s.matrixSize}x${s.matrixSize} matmul on ${loop.adapter}`, close: () => loop.destroy() };
  },
};

function send(m: ChildMessage): void {
  process.send?.(m);
}

async function main(): Promise<void> {
  const abort = new AbortController();
  watchParent(() => abort.abort());
  const spec = JSON.parse(process.argv[2] ?? '{}') as ChildSpec;
  const prepare = PREPARE[spec.kind];
  if (!prepare) throw new Error(`unknown generator kind '${String(spec.kind)}'`);
  const prepared = await prepare(spec);
  const gate = new PauseGate();
  process.on('message', (m: ParentMessage) => {
    if (m.type === 'pause') gate.pause();
    else gate.resume();
    send({ type: m.type === 'pause' ? 'paused' : 'resumed' });
  });
  send({ type: 'ready', detail: prepared.detail });
  await runDutyCycle({ intensity: spec.intensity, periodMs: spec.periodMs }, prepared.step, abort.signal, gate);
  prepared.close();
  process.exit(0);
}

main().catch((e: unknown) => {
  const message = e instanceof Error ? e.message : String(e);
  if (process.send) process.send({ type: 'error', message } satisfies ChildMessage, () => process.exit(1));
  else process.exit(1);
});
