/**
 * `dynpipe schedule`: draws a schedule's lock-step timeline and per-stage stash depths, and with
 * per-stage times simulates it (timing.ts). A thin shell over runtime/schedule/.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { DynpipeError } from '../../errors.js';
import { describeFailure, runLockstep } from '../../schedule/lockstep.js';
import { scheduleAllStages, type ScheduleKind } from '../../schedule/schedule.js';
import { replayStash } from '../../schedule/stash-ledger.js';
import { renderTimeline } from '../../schedule/timeline.js';
import { computeTiming } from '../../schedule/timing.js';
import { floatOption, intOption } from '../options.js';

interface ScheduleFlags {
  kind: ScheduleKind;
  stages: number;
  microbatches: number;
  first: number;
  v0: number;
  inFlight?: number;
  microbatchesPerStep?: number;
  replicated: boolean;
  capacity?: number;
  forwardMs?: number[];
  backwardMs?: number[];
  transferMs: number;
}

/** Parses `1,2.5,3` into non-negative numbers. */
function msList(value: string): number[] {
  const parse = floatOption(0);
  return value.split(',').map((part) => {
    if (part.trim() === '') throw new InvalidArgumentError(`expected comma-separated milliseconds, got '${value}'`);
    return parse(part);
  });
}

function run(flags: ScheduleFlags): void {
  const { kind, stages } = flags;
  for (const name of ['forwardMs', 'backwardMs'] as const) {
    const list = flags[name];
    const flag = name === 'forwardMs' ? '--forward-ms' : '--backward-ms';
    if (list && list.length !== stages) throw new DynpipeError('E_USAGE', `${flag} has ${list.length} values for ${stages} stages`);
  }
  if (!flags.forwardMs !== !flags.backwardMs) throw new DynpipeError('E_USAGE', '--forward-ms and --backward-ms go together');

  const { microbatches, first, v0, inFlight, microbatchesPerStep, replicated } = flags;
  const streams = scheduleAllStages(kind, { stages, microbatches, first, v0, inFlight, microbatchesPerStep, replicated });
  const { forwardMs, backwardMs, transferMs } = flags;
  const timing = forwardMs && backwardMs ? computeTiming({ forwardMs, backwardMs, transferMs }) : undefined;
  const result = runLockstep(streams, { capacity: flags.capacity, timing });
  if (!result.ok) throw new DynpipeError('E_SCHEDULE', `${kind} deadlocks: ${describeFailure(result).split('\n').join('; ')}`);

  const out: string[] = [renderTimeline(result.rounds, stages), ''];
  streams.forEach((slots, s) => {
    const ledger = replayStash(s, flags.v0, slots);
    out.push(`stage ${s}: ${slots.length} slots, max in flight ${ledger.maxInFlight}, max weight versions ${ledger.maxVersions}, ends at v${ledger.live}`);
  });
  if (timing) {
    const endMs = Math.max(...result.times.map((ts) => (ts.length ? ts[ts.length - 1].endMs : 0)));
    out.push(`simulated: ${endMs} ms for ${flags.microbatches} microbatches (${(endMs / flags.microbatches).toFixed(3)} ms each)`);
  }
  process.stdout.write(out.join('\n') + '\n');
}

export function register(program: Command): void {
  program
    .command('schedule')
    .description('draw a pipeline schedule as a lock-step timeline; with --forward-ms/--backward-ms, simulate it')
    .addOption(new Option('--kind <kind>', 'schedule').choices(['1f1b', 'gpipe']).default('1f1b'))
    .option('--stages <n>', 'pipeline depth', intOption(1, 64), 4)
    .option('--microbatches <n>', 'microbatches in the window', intOption(1, 10_000), 8)
    .option('--first <n>', 'index of the first microbatch', intOption(0), 0)
    .option('--v0 <n>', 'weight version at the start of the window', intOption(0), 0)
    .option('--in-flight <n>', '1f1b: microbatches admitted before the first backward (default: stages)', intOption(1, 10_000))
    .option('--microbatches-per-step <n>', 'gpipe: microbatches per flush (default: the whole window)', intOption(1, 10_000))
    .option('--replicated', 'stages are replicated: allreduce before each step', false)
    .option('--capacity <n>', 'messages a channel holds before a send waits (default: unbounded)', intOption(1, 10_000))
    .option('--forward-ms <list>', 'comma-separated forward ms per stage', msList)
    .option('--backward-ms <list>', 'comma-separated backward ms per stage', msList)
    .option('--transfer-ms <ms>', 'ms per activation or gradient transfer', floatOption(0, 1e9), 0)
    .action((flags: ScheduleFlags) => run(flags));
}
