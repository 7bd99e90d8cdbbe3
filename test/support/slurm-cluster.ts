/**
 * A real one-node Slurm cluster for tests, started and stopped by the test: Debian's slurm-wlm and
 * munge (.ci/cluster-packages.sh installs them), everything else in one temporary directory.
 *
 *   <dir>/munge/munge.key, munge.sock    munged -F, its own key and socket (not /etc/munge)
 *   <dir>/slurm.conf, gres.conf          SlurmUser=root, the one node = this host, CPUs oversubscribed
 *   <dir>/dev/gpu0..                     stand-in gpu device files, when fake gpus are asked for
 *   <dir>/state, spool, tmp, log/        slurmctld and slurmd state, logs of all three daemons
 *
 * The daemons run in the foreground (-F / -D), so the pids we hold are the daemons' own; `stop()`
 * cancels leftover jobs, waits for their processes (found by this cluster's SLURM_CONF in their
 * environment, killed by pid if they linger), stops slurmd, slurmctld and munged by their pids, and
 * removes the directory. A process that exits without calling `stop()` SIGKILLs them all at exit.
 * Ports are chosen free at start, so runs beside each other do not collide. Children use `env`:
 * this process's environment without any SLURM_*, SBATCH_*, SALLOC_* or SRUN_* variable, plus
 * SLURM_CONF. Needs root on Linux; `slurmUnavailable()` says why not, for `this.skip()`.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { onPath, runChecked, runCommand, startDaemon, stopChild } from './process.js';

const BINARIES = ['munged', 'mungekey', 'slurmctld', 'slurmd', 'srun', 'sbatch', 'sinfo', 'scancel', 'squeue'];

export interface SlurmClusterOptions {
  /** CPUs the node claims (more than the machine has, so `srun -n 8` runs on 2 cores). Default 8. */
  cpus?: number;
  /** Fake GPUs (gres `gpu` on stand-in device files) so `--gpus-per-task=1` schedules. Default 0. */
  gpus?: number;
  /** How long the node may take to become idle. Default 30 s. */
  readyTimeoutMs?: number;
  /** Run one batch job before returning, so the tests' `sbatch --wait` return in ~2 s (costs ~2 s). Default true. */
  warmUpBatch?: boolean;
}

export interface SlurmCluster {
  dir: string;
  /** Path of the generated slurm.conf. */
  conf: string;
  nodeName: string;
  partition: string;
  /** Environment for srun/sbatch/squeue children: SLURM_CONF set, inherited Slurm variables removed. */
  env: NodeJS.ProcessEnv;
  pids: { munged: number; slurmctld: number; slurmd: number };
  stop(): Promise<void>;
}

/** Why a Slurm cluster cannot start here, or undefined when it can. */
export function slurmUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `Slurm tests need Linux, this is ${process.platform}`;
  if (process.getuid?.() !== 0) return 'Slurm test cluster runs its daemons as root';
  const absent = BINARIES.filter((b) => !onPath(b) && !existsSync(`/usr/sbin/${b}`));
  if (absent.length) return `not installed: ${absent.join(', ')} (.ci/cluster-packages.sh installs slurm-wlm and munge)`;
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function slurmConf(o: { dir: string; node: string; ctldPort: number; slurmdPort: number; cpus: number; gpus: number; partition: string }): string {
  const d = o.dir;
  const gres = o.gpus > 0 ? ` Gres=gpu:${o.gpus}` : '';
  return [
    'ClusterName=dynpipetest',
    `SlurmctldHost=${o.node}(127.0.0.1)`,
    `SlurmctldPort=${o.ctldPort}`,
    `SlurmdPort=${o.slurmdPort}`,
    'SlurmUser=root',
    'SlurmdUser=root',
    'AuthType=auth/munge',
    'CredType=cred/munge',
    `AuthInfo=socket=${d}/munge/munge.sock`,
    `StateSaveLocation=${d}/state`,
    `SlurmdSpoolDir=${d}/spool`,
    `TmpFS=${d}/tmp`,
    `SlurmctldPidFile=${d}/slurmctld.pid`,
    `SlurmdPidFile=${d}/slurmd.pid`,
    `SlurmctldLogFile=${d}/log/slurmctld.log`,
    `SlurmdLogFile=${d}/log/slurmd.log`,
    `PlugStackConfig=${d}/plugstack.conf`,
    'MailProg=/bin/true',
    'ProctrackType=proctrack/linuxproc',
    'TaskPlugin=task/none',
    'SelectType=select/cons_tres',
    'SelectTypeParameters=CR_CPU',
    // Trust the CPU count below over the hardware's, so 8 tasks fit on 2 cores.
    'SlurmdParameters=config_overrides',
    'MpiDefault=none',
    'SwitchType=switch/none',
    'JobAcctGatherType=jobacct_gather/none',
    'AccountingStorageType=accounting_storage/none',
    'JobCompType=jobcomp/none',
    'ReturnToService=2',
    'SchedulerType=sched/builtin',
    'SchedulerParameters=batch_sched_delay=0,sched_min_interval=0',
    'KillWait=5',
    ...(o.gpus > 0 ? ['GresTypes=gpu'] : []),
    `NodeName=${o.node} NodeAddr=127.0.0.1 CPUs=${o.cpus}${gres} State=UNKNOWN`,
    `PartitionName=${o.partition} Nodes=${o.node} Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4`,
    '',
  ].join('\n');
}

/** This machine's environment minus anything a surrounding Slurm job or user set for Slurm. */
function cleanEnv(conf: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(SLURM|SBATCH|SALLOC|SRUN)_/.test(k)) env[k] = v;
  env.SLURM_CONF = conf;
  return env;
}

function logTail(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-5).join(' | ');
  } catch {
    return '(no log)';
  }
}

/** Starts munged, slurmctld and slurmd and waits until the node is idle; see the module comment. */
export async function startSlurmCluster(opts: SlurmClusterOptions = {}): Promise<SlurmCluster> {
  const cpus = opts.cpus ?? 8;
  const gpus = opts.gpus ?? 0;
  const dir = mkdtempSync(join(tmpdir(), 'dynpipe-slurm-'));
  // munged refuses a socket below a directory others cannot traverse; mkdtemp makes 0700.
  chmodSync(dir, 0o755);
  for (const sub of ['munge', 'state', 'spool', 'tmp', 'log']) mkdirSync(join(dir, sub), { mode: 0o755 });
  const node = hostname().split('.')[0];
  const partition = 'debug';
  const conf = join(dir, 'slurm.conf');
  const env = cleanEnv(conf);
  const daemons: Array<{ name: string; child: ChildProcess; log: string }> = [];

  const start = (name: string, argv: string[]) => {
    const log = join(dir, 'log', `${name}.out`);
    const fd = openSync(log, 'a');
    const child = startDaemon(argv, { env, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    daemons.push({ name, child, log });
    return child;
  };
  const stopDaemons = async () => {
    for (const d of [...daemons].reverse()) await stopChild(d.child);
  };
  const dead = () => daemons.find((d) => d.child.exitCode !== null || d.child.signalCode !== null);

  try {
    const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
    writeFileSync(conf, slurmConf({ dir, node, ctldPort, slurmdPort, cpus, gpus, partition }));
    writeFileSync(join(dir, 'plugstack.conf'), '');
    if (gpus > 0) await fakeGpus(dir, node, gpus);
    const key = join(dir, 'munge', 'munge.key');
    await runChecked(['mungekey', '--create', `--keyfile=${key}`]);
    const munge = join(dir, 'munge');
    start('munged', ['munged', '-F', `--key-file=${key}`, `--socket=${munge}/munge.sock`, `--pid-file=${munge}/munged.pid`, `--seed-file=${munge}/seed`, `--log-file=${dir}/log/munged.log`]);
    await waitFor(() => existsSync(join(munge, 'munge.sock')), 10_000, 'munged socket', dead);
    start('slurmctld', ['slurmctld', '-D', '-f', conf]);
    start('slurmd', ['slurmd', '-D', '-f', conf, '-N', node]);
    await waitForIdle(env, node, opts.readyTimeoutMs ?? 30_000, dead);
    if (opts.warmUpBatch ?? true) await runFirstBatchJob(env, dir, opts.readyTimeoutMs ?? 30_000, dead);
  } catch (e) {
    const logs = daemons.map((d) => `${d.name}: ${logTail(d.log)}`).join('; ');
    await stopDaemons();
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`Slurm test cluster failed to start: ${(e as Error).message}; ${logs}`);
  }

  let stopped = false;
  const pid = (name: string) => daemons.find((d) => d.name === name)?.child.pid ?? -1;
  // A test run that exits without stop() (a crash, --exit) must not leave daemons behind.
  const killAtExit = () => {
    const daemonPids = daemons.map((d) => d.child.pid ?? -1);
    for (const p of [...clusterProcesses(conf, daemonPids), ...daemonPids]) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killAtExit);
  return {
    dir,
    conf,
    nodeName: node,
    partition,
    env,
    pids: { munged: pid('munged'), slurmctld: pid('slurmctld'), slurmd: pid('slurmd') },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', killAtExit);
      await cancelJobs(env);
      await endJobProcesses(conf, daemons.map((d) => d.child.pid ?? -1));
      await stopDaemons();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Slurm's gpu plugin wants device files; ours are character devices 1:3 (what /dev/null is), in
 * <dir>/dev, listed in gres.conf beside slurm.conf (where slurmd looks for it).
 */
async function fakeGpus(dir: string, node: string, gpus: number): Promise<void> {
  mkdirSync(join(dir, 'dev'));
  for (let i = 0; i < gpus; i++) await runChecked(['mknod', join(dir, 'dev', `gpu${i}`), 'c', '1', '3']);
  writeFileSync(join(dir, 'gres.conf'), `NodeName=${node} Name=gpu File=${dir}/dev/gpu[0-${gpus - 1}]\n`);
}

async function waitFor(ready: () => boolean | Promise<boolean>, timeoutMs: number, what: string, dead: () => { name: string } | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const gone = dead();
    if (gone) throw new Error(`${gone.name} exited while waiting for ${what}`);
    if (await ready()) return;
    if (Date.now() > deadline) throw new Error(`${what} not ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function waitForIdle(env: NodeJS.ProcessEnv, node: string, timeoutMs: number, dead: () => { name: string } | undefined): Promise<void> {
  const idle = async () => {
    const r = await runCommand(['sinfo', '-h', '-N', '-n', node, '-o', '%t'], { env, timeoutMs: 10_000 });
    return r.code === 0 && r.stdout.trim() === 'idle';
  };
  return waitFor(idle, timeoutMs, `node ${node} idle in sinfo`, dead);
}

/**
 * Submits `true` as a batch job and waits until it has left the queue. slurmctld schedules its first
 * batch job a few seconds after start; `sbatch --wait` polls at 2 s, then backs off to 10 s, so a
 * test's first job would wait ~10 s for a job that took 2. After this one, jobs start within ~1 s.
 */
async function runFirstBatchJob(env: NodeJS.ProcessEnv, dir: string, timeoutMs: number, dead: () => { name: string } | undefined): Promise<void> {
  const id = (await runChecked(['sbatch', '--parsable', '--ntasks=1', `--output=${dir}/log/first-job.out`, '--wrap=true'], { env, cwd: dir })).trim();
  const completed = async () => {
    const state = (await runChecked(['squeue', '-h', '-t', 'all', '-j', id, '-o', '%T'], { env })).trim();
    if (/^(FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE)$/.test(state)) {
      throw new Error(`first batch job ${id} ended ${state}: ${logTail(`${dir}/log/first-job.out`)}`);
    }
    return state === 'COMPLETED';
  };
  await waitFor(completed, timeoutMs, `first batch job ${id} to complete`, dead);
}

/**
 * Pids of processes that carry this cluster's SLURM_CONF in their environment: slurmstepd (which
 * inherits it from our slurmd) and every job task (which inherits it from srun/sbatch). The path is
 * a fresh temporary one, so this finds exactly the processes this cluster started. `daemons` and
 * their direct children (slurmctld's helper slurmscriptd) are left out: they end with the daemons.
 */
export function clusterProcesses(conf: string, daemons: readonly number[] = []): number[] {
  const marker = `SLURM_CONF=${conf}\0`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid || daemons.includes(pid)) continue;
    try {
      if (!readFileSync(`/proc/${pid}/environ`, 'latin1').includes(marker)) continue;
      // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after ')'.
      const ppid = Number(readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1].split(' ')[1]);
      if (!daemons.includes(ppid)) pids.push(pid);
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return pids;
}

/** Waits up to 5 s for job processes to end after their jobs are cancelled, then SIGKILLs the rest by pid. */
async function endJobProcesses(conf: string, daemonPids: readonly number[]): Promise<void> {
  const deadline = Date.now() + 5000;
  while (clusterProcesses(conf, daemonPids).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const pid of clusterProcesses(conf, daemonPids)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export interface JobEnd {
  /** COMPLETED, FAILED, CANCELLED, TIMEOUT, ... */
  state: string;
  /** The batch script's exit code. */
  exitCode: number;
}

/**
 * Waits for job `id` to end, polling every 200 ms. `sbatch --wait` does the same but backs off to
 * 10 s between polls, which is most of a short test's time.
 */
export async function waitForJob(cluster: Pick<SlurmCluster, 'env'>, id: string, timeoutMs = 60_000): Promise<JobEnd> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await runChecked(['scontrol', 'show', 'job', '-o', id], { env: cluster.env });
    const state = /\bJobState=(\S+)/.exec(text)?.[1] ?? '';
    const exit = /\bExitCode=(\d+):/.exec(text)?.[1];
    if (!/^(PENDING|CONFIGURING|RUNNING|COMPLETING|SUSPENDED|REQUEUED)$/.test(state) && exit !== undefined) {
      return { state, exitCode: Number(exit) };
    }
    if (Date.now() > deadline) throw new Error(`job ${id} still ${state} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Cancels every job of this cluster (only ours: SLURM_CONF names our controller) and waits briefly. */
async function cancelJobs(env: NodeJS.ProcessEnv): Promise<void> {
  await runCommand(['scancel', '--full', '--user=root'], { env, timeoutMs: 10_000 }).catch(() => undefined);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const r = await runCommand(['squeue', '-h', '-o', '%i'], { env, timeoutMs: 10_000 }).catch(() => undefined);
    if (!r || r.code !== 0 || r.stdout.trim() === '') return;
    await new Promise((res) => setTimeout(res, 200));
  }
}
