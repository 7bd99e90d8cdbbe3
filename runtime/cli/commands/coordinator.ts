/**
 * `dynpipe coordinator`: the coordinator as its own process, for ranks started by hand or by a
 * cluster launcher (`dynpipe launch` runs it in-process). Prints the run summary at the end and
 * exits non-zero if any rank fails. With --mode simple or dynpipe (and the same --mode on every
 * rank) it repartitions live; dynpipe-re needs `dynpipe launch`, which can restart the ranks.
 */
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import { Coordinator } from '../../coordinator/coordinator.js';
import { worldSize } from '../../plan/plan.js';
import { intOption } from '../options.js';
import { readPlanFile } from '../plan-file.js';
import { DynpipeError } from '../../errors.js';
import { type PolicyFlags, addRepartitionOptions, checkRepartitionFlags, planChangesFrom } from '../repartition-setup.js';
import { formatRunSummary } from '../run-summary.js';

interface CoordinatorFlags extends PolicyFlags {
  configPath: string;
  numMinibatches: number;
  bindAddr: string;
  port: number;
  rendezvousTimeoutMs: number;
  heartbeatTimeoutMs: number;
}

async function run(f: CoordinatorFlags): Promise<void> {
  const plan = await readPlanFile(f.configPath);
  checkRepartitionFlags(f);
  if (f.mode === 'dynpipe-re') throw new DynpipeError('E_USAGE', '--mode dynpipe-re restarts every rank, which only dynpipe launch can do; use --mode dynpipe here');
  const changes = f.mode === 'pipedream' ? undefined : { ...(await planChangesFrom(f, plan, 0, f.numMinibatches)), kind: 'live' as const };
  const coordinator = await Coordinator.open({
    bindAddress: `tcp://${f.bindAddr}:${f.port}`,
    plan,
    numMinibatches: f.numMinibatches,
    rendezvousTimeoutMs: f.rendezvousTimeoutMs,
    heartbeatTimeoutMs: f.heartbeatTimeoutMs,
    changes,
    say: (line) => process.stderr.write(line + '\n'),
    onRendezvous: () => process.stderr.write(`dynpipe coordinator: all ${worldSize(plan)} ranks registered\n`),
    now: () => performance.now(),
  });
  process.stderr.write(`dynpipe coordinator: listening on ${coordinator.endpoint} for ${worldSize(plan)} ranks\n`);
  try {
    process.stdout.write(formatRunSummary(plan, await coordinator.run()));
  } finally {
    await coordinator.close();
  }
}

export function register(program: Command): void {
  const cmd = program
    .command('coordinator')
    .description('run the coordinator alone, for ranks started by hand or by a cluster launcher')
    .requiredOption('--config-path <plan.json>', 'the plan the ranks run')
    .requiredOption('--num-minibatches <m>', 'microbatches the ranks train', intOption(1))
    .option('--bind-addr <host>', 'address to listen on (loopback by default)', '127.0.0.1')
    .requiredOption('--port <port>', 'control port the ranks connect to (--master-port)', intOption(1, 65535))
    .option('--rendezvous-timeout-ms <ms>', 'deadline for all ranks to register', intOption(1), 300_000)
    .option('--heartbeat-timeout-ms <ms>', 'a rank silent this long is declared dead', intOption(100), 10_000);
  addRepartitionOptions(cmd);
  cmd.action((f: CoordinatorFlags) => run(f));
}
