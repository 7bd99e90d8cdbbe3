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
import { CheckpointStore, openCheckpoint } from '../../checkpoint/checkpoint-store.js';
import { checkResumable, resumedPlanVersion } from '../../checkpoint/resume-plan.js';
import { CheckpointCollector } from '../../coordinator/checkpoint-collector.js';
import { withCheckpointNote } from '../../launch/checkpoint-note.js';
import { DynpipeError, isDynpipeError } from '../../errors.js';

interface CoordinatorFlags {
  configPath: string;
  numMinibatches: number;
  bindAddr: string;
  port: number;
  rendezvousTimeoutMs: number;
  heartbeatTimeoutMs: number;
  curveKeys?: string;
  checkpointDir?: string;
  checkpointKeep: number;
  resume?: string;
  allowAllInterfaces?: boolean;
}

async function run(f: CoordinatorFlags): Promise<void> {
  const plan = await readPlanFile(f.configPath);
  if (/^(0\.0\.0\.0|\*|::|\[::\])$/.test(f.bindAddr) && !f.allowAllInterfaces) {
    throw new DynpipeError('E_USAGE', `--bind-addr ${f.bindAddr} listens on all interfaces; name one interface's address, or pass --allow-all-interfaces`);
  }
  const say = (line: string) => process.stderr.write(line + '\n');
  const resumed = f.resume ? (await openCheckpoint(f.resume)).set : undefined;
  if (resumed) checkResumable(resumed.manifest, plan, `checkpoint ${resumed.dir}`);
  const checkpoints = f.checkpointDir
    ? new CheckpointCollector({ store: new CheckpointStore(f.checkpointDir), plan, planVersion: resumed ? resumedPlanVersion(resumed.manifest, plan) : 0, keep: f.checkpointKeep, say })
    : undefined;
  const coordinator = await Coordinator.open({
    bindAddress: `tcp://${f.bindAddr}:${f.port}`,
    plan,
    numMinibatches: f.numMinibatches,
    rendezvousTimeoutMs: f.rendezvousTimeoutMs,
    heartbeatTimeoutMs: f.heartbeatTimeoutMs,
    curve: f.curveKeys ? await readKeyDir(f.curveKeys) : undefined,
    allowAllInterfaces: f.allowAllInterfaces,
    startMicrobatch: resumed?.manifest.cutMicrobatch,
    checkpoints,
    say,
    onRendezvous: () => process.stderr.write(`dynpipe coordinator: all ${worldSize(plan)} ranks registered\n`),
    now: () => performance.now(),
  });
  process.stderr.write(`dynpipe coordinator: listening on ${coordinator.endpoint} for ${worldSize(plan)} ranks\n`);
  try {
    const s = await coordinator.run();
    const busy = s.busyFraction.map((b, r) => `rank ${r} (stage ${stageOfRank(plan, r)}) ${(100 * b).toFixed(1)}%`).join(', ');
    process.stdout.write(`trained ${s.microbatches} microbatches in ${s.seconds.toFixed(1)} s: ${s.samplesPerS.toFixed(1)} samples/s\nbusy: ${busy}\n`);
  } catch (e) {
    if (!isDynpipeError(e, 'E_PEER_FAILED') && !isDynpipeError(e, 'E_PEER_TIMEOUT')) throw e;
    throw new DynpipeError(e.code, await withCheckpointNote(e.message, f.checkpointDir), { cause: e });
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
    .option('--allow-all-interfaces', 'allow --bind-addr 0.0.0.0 (every interface of this host)')
    .option('--checkpoint-dir <dir>', 'checkpoint store the ranks write to: complete each set with its manifest')
    .option('--checkpoint-keep <n>', 'complete checkpoints kept (older ones are deleted)', intOption(1), 3)
    .option('--resume <dir>', 'the ranks resume from this checkpoint (a store or one set): count from its microbatch')
    .action((f: CoordinatorFlags) => run(f));
}
