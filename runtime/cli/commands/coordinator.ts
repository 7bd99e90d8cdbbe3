/**
 * `dynpipe coordinator`: the coordinator as its own process, for ranks started by hand or by a
 * cluster launcher (`dynpipe launch` runs it in-process). Prints the run summary at the end and
 * exits non-zero if any rank fails.
 */
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import { Coordinator } from '../../coordinator/coordinator.js';
import { stageOfRank, worldSize } from '../../plan/plan.js';
import { intOption } from '../options.js';
import { readPlanFile } from '../plan-file.js';
import { readKeyDir } from '../../transport/key-files.js';

interface CoordinatorFlags {
  configPath: string;
  numMinibatches: number;
  bindAddr: string;
  port: number;
  rendezvousTimeoutMs: number;
  heartbeatTimeoutMs: number;
  curveKeys?: string;
}

async function run(f: CoordinatorFlags): Promise<void> {
  const plan = await readPlanFile(f.configPath);
  const coordinator = await Coordinator.open({
    bindAddress: `tcp://${f.bindAddr}:${f.port}`,
    plan,
    numMinibatches: f.numMinibatches,
    rendezvousTimeoutMs: f.rendezvousTimeoutMs,
    heartbeatTimeoutMs: f.heartbeatTimeoutMs,
    curve: f.curveKeys ? await readKeyDir(f.curveKeys) : undefined,
    say: (line) => process.stderr.write(line + '\n'),
    onRendezvous: () => process.stderr.write(`dynpipe coordinator: all ${worldSize(plan)} ranks registered\n`),
    now: () => performance.now(),
  });
  process.stderr.write(`dynpipe coordinator: listening on ${coordinator.endpoint} for ${worldSize(plan)} ranks\n`);
  try {
    const s = await coordinator.run();
    const busy = s.busyFraction.map((b, r) => `rank ${r} (stage ${stageOfRank(plan, r)}) ${(100 * b).toFixed(1)}%`).join(', ');
    process.stdout.write(`trained ${s.microbatches} microbatches in ${s.seconds.toFixed(1)} s: ${s.samplesPerS.toFixed(1)} samples/s\nbusy: ${busy}\n`);
  } finally {
    await coordinator.close();
  }
}

export function register(program: Command): void {
  program
    .command('coordinator')
    .description('run the coordinator alone, for ranks started by hand or by a cluster launcher')
    .requiredOption('--config-path <plan.json>', 'the plan the ranks run')
    .requiredOption('--num-minibatches <m>', 'microbatches the ranks train', intOption(1))
    .option('--bind-addr <host>', 'address to listen on (loopback by default)', '127.0.0.1')
    .requiredOption('--port <port>', 'control port the ranks connect to (--master-port)', intOption(1, 65535))
    .option('--rendezvous-timeout-ms <ms>', 'deadline for all ranks to register', intOption(1), 300_000)
    .option('--heartbeat-timeout-ms <ms>', 'a rank silent this long is declared dead', intOption(100), 10_000)
    .option('--curve-keys <dir>', 'admit only ranks holding the job\'s CURVE keys (dynpipe keys generate)')
    .action((f: CoordinatorFlags) => run(f));
}
