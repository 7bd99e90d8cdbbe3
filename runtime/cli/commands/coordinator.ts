/**
 * `dynpipe coordinator`: the coordinator as its own process, for ranks started by hand or by a
 * cluster launcher (`dynpipe launch` runs it in-process). Prints the run summary at the end and
 * exits non-zero if any rank fails. With --mode simple or dynpipe (and the same --mode on every
 * rank) it repartitions live; dynpipe-re needs `dynpipe launch`, which can restart the ranks.
 * With --checkpoint-dir it completes the checkpoint sets the ranks write (docs/reliability.md); a
 * failure names the newest complete one.
 */
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import { Coordinator } from '../../coordinator/coordinator.js';
import { worldSize } from '../../plan/plan.js';
import { intOption } from '../options.js';
import { readPlanFile } from '../plan-file.js';
import { DynpipeError, isDynpipeError } from '../../errors.js';
import { type PolicyFlags, addRepartitionOptions, checkRepartitionFlags, planChangesFrom } from '../repartition-setup.js';
import { formatRunSummary } from '../run-summary.js';
import { readKeyDir } from '../../transport/key-files.js';
import { CheckpointStore, openCheckpoint } from '../../checkpoint/checkpoint-store.js';
import { checkResumable, resumedPlanVersion } from '../../checkpoint/resume-plan.js';
import { CheckpointCollector } from '../../coordinator/checkpoint-collector.js';
import { withCheckpointNote } from '../../launch/checkpoint-note.js';

interface CoordinatorFlags extends PolicyFlags {
  configPath: string;
  numMinibatches: number;
  bindAddr: string;
  port: number;
  rendezvousTimeoutMs: number;
  heartbeatTimeoutMs: number;
  curveKeys?: string;
  checkpointKeep: number;
  resume?: string;
  allowAllInterfaces?: boolean;
}

async function run(f: CoordinatorFlags): Promise<void> {
  const plan = await readPlanFile(f.configPath);
  checkRepartitionFlags(f);
  if (f.mode === 'dynpipe-re') throw new DynpipeError('E_USAGE', '--mode dynpipe-re restarts every rank, which only dynpipe launch can do; use --mode dynpipe here');
  if (/^(0\.0\.0\.0|\*|::|\[::\])$/.test(f.bindAddr) && !f.allowAllInterfaces) {
    throw new DynpipeError('E_USAGE', `--bind-addr ${f.bindAddr} listens on all interfaces; name one interface's address, or pass --allow-all-interfaces`);
  }
  const say = (line: string) => process.stderr.write(line + '\n');
  const resumed = f.resume ? (await openCheckpoint(f.resume)).set : undefined;
  if (resumed) checkResumable(resumed.manifest, plan, `checkpoint ${resumed.dir}`);
  const planVersion = resumed ? resumedPlanVersion(resumed.manifest, plan) : 0;
  const checkpoints = f.checkpointDir
    ? new CheckpointCollector({ store: new CheckpointStore(f.checkpointDir), plan, planVersion, keep: f.checkpointKeep, say })
    : undefined;
  const changes = f.mode === 'pipedream' ? undefined : { ...(await planChangesFrom(f, plan, planVersion, f.numMinibatches)), kind: 'live' as const };
  const coordinator = await Coordinator.open({
    bindAddress: `tcp://${f.bindAddr}:${f.port}`,
    plan,
    numMinibatches: f.numMinibatches,
    startMicrobatch: resumed?.manifest.cutMicrobatch,
    planVersion,
    rendezvousTimeoutMs: f.rendezvousTimeoutMs,
    heartbeatTimeoutMs: f.heartbeatTimeoutMs,
    changes,
    curve: f.curveKeys ? await readKeyDir(f.curveKeys) : undefined,
    allowAllInterfaces: f.allowAllInterfaces,
    checkpoints,
    say,
    onRendezvous: () => process.stderr.write(`dynpipe coordinator: all ${worldSize(plan)} ranks registered\n`),
    now: () => performance.now(),
  });
  process.stderr.write(`dynpipe coordinator: listening on ${coordinator.endpoint} for ${worldSize(plan)} ranks\n`);
  try {
    process.stdout.write(formatRunSummary(plan, await coordinator.run()));
  } catch (e) {
    if (!isDynpipeError(e, 'E_PEER_FAILED') && !isDynpipeError(e, 'E_PEER_TIMEOUT')) throw e;
    throw new DynpipeError(e.code, await withCheckpointNote(e.message, f.checkpointDir), { cause: e });
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
    .option('--heartbeat-timeout-ms <ms>', 'a rank silent this long is declared dead', intOption(100), 10_000)
    .option('--curve-keys <dir>', 'admit only ranks holding the job\'s CURVE keys (dynpipe keys generate)')
    .option('--allow-all-interfaces', 'allow --bind-addr 0.0.0.0 (every interface of this host)')
    .option('--checkpoint-dir <dir>', 'checkpoint store the ranks write to: complete each set with its manifest (sets at plan changes\' cuts, and periodic ones)')
    .option('--checkpoint-keep <n>', 'complete checkpoints kept (older ones are deleted)', intOption(1), 3)
    .option('--resume <dir>', 'the ranks resume from this checkpoint (a store or one set): count from its microbatch');
  addRepartitionOptions(cmd);
  cmd.action((f: CoordinatorFlags) => run(f));
}
