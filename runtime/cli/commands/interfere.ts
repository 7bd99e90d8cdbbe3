/**
 * `dynpipe interfere`: co-located load that really competes for resources, as separate processes.
 *
 *   dynpipe interfere --kind cpu --intensity 1 --cores 0 --duration 10
 *   dynpipe interfere --schedule trace.csv          (t_start,t_end,kind,target,intensity)
 *
 * Prints one line per generator start ("interfere: started <spec> pids <p,...>") and stop. Ctrl-C,
 * SIGTERM or the end of the trace stops every generator; if this process is killed outright, the
 * generators notice their parent is gone and exit by themselves (profile/interfere/lifeline.ts).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DynpipeError } from '../../errors.js';
import { floatOption, intOption } from '../options.js';
import { progressBar } from '../progress-bar.js';
import { INTERFERER_KINDS, formatInterferer, interfererSpec, type InterfererKind } from '../../../predictor/mix.js';
import { GeneratorGroup } from '../../../profile/interfere/spawn.js';
import { InterferenceController, parseSchedule, type ScheduleEvent } from '../../../profile/interfere/schedule.js';

interface InterfereFlags {
  kind?: string;
  intensity: number;
  cores: string;
  device: number;
  start: number;
  duration?: number;
  schedule?: string;
  periodMs: number;
  bufferMb: number;
  matrix: number;
  progress?: boolean;
}

const SINGLE_ONLY = ['kind', 'intensity', 'cores', 'device', 'start', 'duration'] as const;

function events(flags: InterfereFlags, cmd: Command): ScheduleEvent[] {
  if (flags.schedule !== undefined) {
    const clash = SINGLE_ONLY.find((o) => cmd.getOptionValueSource(o) === 'cli');
    if (clash) throw new DynpipeError('E_USAGE', `--${clash} cannot be combined with --schedule (the schedule gives each event its own)`);
    let text: string;
    try {
      text = readFileSync(flags.schedule, 'utf8');
    } catch (e) {
      throw new DynpipeError('E_IO', `cannot read schedule ${flags.schedule}: ${(e as Error).message}`);
    }
    return parseSchedule(text, flags.schedule);
  }
  if (flags.kind === undefined) throw new DynpipeError('E_USAGE', 'give --kind (cpu, membw or gpu) or --schedule');
  if (!(INTERFERER_KINDS as readonly string[]).includes(flags.kind)) throw new DynpipeError('E_USAGE', `--kind must be one of ${INTERFERER_KINDS.join(', ')}, got '${flags.kind}'`);
  const kind = flags.kind as InterfererKind;
  if (flags.duration !== undefined && flags.duration <= 0) throw new DynpipeError('E_USAGE', `--duration must be > 0 seconds, got ${flags.duration}`);
  const target = kind === 'gpu' ? String(flags.device) : kind === 'net' ? '0' : flags.cores;
  const spec = interfererSpec(kind, target, flags.intensity, 'E_USAGE', `--kind ${kind}`);
  return [{ line: 0, startS: flags.start, endS: flags.duration === undefined ? Infinity : flags.start + flags.duration, spec }];
}

async function run(flags: InterfereFlags, cmd: Command): Promise<void> {
  const trace = events(flags, cmd);
  const group = new GeneratorGroup({ periodMs: flags.periodMs, bufferMb: flags.bufferMb, matrixSize: flags.matrix });
  process.on('exit', () => group.killAllNow());
  const controller = new InterferenceController(trace, {
    start: (spec) => group.start(spec),
    onChange: (what, e, started) => {
      const spec = formatInterferer(e.spec);
      if (what === 'stop') return void process.stdout.write(`interfere: stopped ${spec}\n`);
      process.stdout.write(`interfere: started ${spec} pids ${started?.pids.join(',')} (${started?.details.join('; ')})\n`);
      if (started && !started.pinned) process.stderr.write(`interfere: taskset not found; ${spec} runs unpinned\n`);
    },
  });
  const abort = new AbortController();
  let signal: NodeJS.Signals | null = null;
  for (const s of ['SIGINT', 'SIGTERM'] as const) {
    process.once(s, () => {
      signal = s;
      abort.abort();
    });
  }
  const endS = Math.max(...trace.map((e) => e.endS));
  const bar = Number.isFinite(endS) ? progressBar(Math.ceil(endS), 'interfere', 's', Boolean(flags.progress)) : null;
  const t0 = performance.now();
  const tick = setInterval(() => bar?.update(Math.min(Math.ceil(endS), Math.floor((performance.now() - t0) / 1000))), 1000);
  try {
    await controller.run(abort.signal);
  } finally {
    clearInterval(tick);
    bar?.stop();
    await group.stopAll();
  }
  if (signal) process.exit(signal === 'SIGINT' ? 130 : 143);
}

export function register(program: Command): void {
  program
    .command('interfere')
    .description('run co-located interference (cpu, memory bandwidth, gpu) as separate processes, once or from a schedule')
    .option('--kind <kind>', `generator: ${INTERFERER_KINDS.filter((k) => k !== 'net').join(', ')} (net is a transport hook inside workers)`)
    .option('--intensity <x>', 'duty cycle in (0, 1]: busy share of each period', floatOption(0, 1), 1)
    .option('--cores <list>', "cpu/membw: cores to pin to, one process per core (e.g. 0 or 0,2-3; '*' = unpinned)", '*')
    .option('--device <n>', 'gpu: WebGPU adapter index', intOption(0), 0)
    .option('--start <s>', 'seconds to wait before starting', floatOption(0), 0)
    .option('--duration <s>', 'seconds to run (default: until Ctrl-C)', floatOption(0))
    .option('--schedule <file>', 'CSV trace: t_start,t_end,kind,target,intensity (seconds)')
    .option('--period-ms <ms>', 'duty-cycle period', intOption(1, 10000), 100)
    .option('--buffer-mb <mib>', 'membw: buffer size (keep it above the last-level cache)', intOption(8), 64)
    .option('--matrix <n>', 'gpu: n of the n x n matmul', intOption(8, 8192), 256)
    .option('--progress', 'show a progress bar even when stderr is not a terminal')
    .action(async (flags: InterfereFlags, cmd: Command) => run(flags, cmd));
}
