/**
 * Two "hosts" on one machine for multi-host tests: two network namespaces joined by a veth pair.
 *
 *     namespace dynpipe-<pid>-<n>-a                namespace dynpipe-<pid>-<n>-b
 *     lo 127.0.0.1   veth0 192.0.2.101/24 <------> veth0 192.0.2.102/24   lo 127.0.0.1
 *
 * 192.0.2.0/24 is the documentation range (RFC 5737). It exists only inside the two namespaces: the
 * veth pair is created directly in them, so the machine's own interfaces and routes are untouched
 * (even where the machine itself uses that range, as this CI machine's eth0 does).
 *
 * Needs root and iproute2 on Linux; `netnsUnavailable()` says why not, for `this.skip()`.
 * `teardown()` kills the processes started through `spawn`, by pid, then deletes both namespaces
 * (which destroys the veth pair). It is idempotent and also runs at process exit; namespaces left by
 * a killed test run (their pid no longer alive) are deleted when the next pair is created.
 */
import { spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { isAlive, onPath, runChecked, runCommand, runQuietlySync, startDaemon, stopChild, type RunOptions, type RunResult } from './process.js';

export const SUBNET_PREFIX = 24;
const ADDRESSES = ['192.0.2.101', '192.0.2.102'] as const;
const DEVICE = 'veth0';
const NAME = /^dynpipe-(\d+)-\d+-[ab]$/;

export interface Namespace {
  name: string;
  /** This "host"'s address on the veth link. */
  address: string;
}

export interface TwoHosts {
  a: Namespace;
  b: Namespace;
  /** Runs `argv` inside `ns` (`ip netns exec`) to completion. */
  run(ns: Namespace, argv: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** Starts `argv` inside `ns`; teardown stops it if it is still running. The pid is argv's own. */
  spawn(ns: Namespace, argv: readonly string[], opts?: SpawnOptions): ChildProcess;
  /** Takes host a's end of the link down: b's end loses carrier, so neither side can reach the other. */
  linkDown(): Promise<void>;
  /** Brings the link back and waits until both ends report it up. */
  linkUp(): Promise<void>;
  teardown(): Promise<void>;
}

/** Why two-namespace tests cannot run here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces need Linux, this is ${process.platform}`;
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  if (!onPath('ip')) return "iproute2's 'ip' is not installed (.ci/cluster-packages.sh installs it)";
  const probe = `dynpipe-${process.pid}-probe`;
  const made = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (made.status !== 0) return `'ip netns add' fails here: ${made.stderr.trim()}`;
  runQuietlySync(['ip', 'netns', 'del', probe]);
  return undefined;
}

/** Deletes dynpipe namespaces whose creating process is gone (a test run killed mid-way). */
async function deleteStaleNamespaces(): Promise<void> {
  const listing = await runChecked(['ip', 'netns', 'list']);
  for (const line of listing.split('\n')) {
    const name = line.split(' ')[0];
    const m = NAME.exec(name);
    if (m && !isAlive(Number(m[1]))) await runCommand(['ip', 'netns', 'del', name]);
  }
}

async function linkIsUp(ns: Namespace): Promise<boolean> {
  const out = await runChecked(['ip', '-n', ns.name, '-o', 'link', 'show', DEVICE]);
  return /[<,]LOWER_UP[,>]/.test(out);
}

let created = 0;

/** Creates the two namespaces and the veth pair between them; see the module comment. */
export async function createTwoHosts(): Promise<TwoHosts> {
  await deleteStaleNamespaces();
  const n = created++;
  const a: Namespace = { name: `dynpipe-${process.pid}-${n}-a`, address: ADDRESSES[0] };
  const b: Namespace = { name: `dynpipe-${process.pid}-${n}-b`, address: ADDRESSES[1] };
  const children = new Set<ChildProcess>();
  let removed = false;

  const removeSync = () => {
    if (removed) return;
    removed = true;
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const ns of [a, b]) runQuietlySync(['ip', 'netns', 'del', ns.name]);
  };
  process.once('exit', removeSync);

  const teardown = async () => {
    if (removed) return;
    await Promise.all([...children].map((c) => stopChild(c, 2000)));
    removeSync();
    process.removeListener('exit', removeSync);
  };

  try {
    for (const ns of [a, b]) await runChecked(['ip', 'netns', 'add', ns.name]);
    await runChecked(['ip', 'link', 'add', DEVICE, 'netns', a.name, 'type', 'veth', 'peer', 'name', DEVICE, 'netns', b.name]);
    for (const ns of [a, b]) {
      await runChecked(['ip', '-n', ns.name, 'addr', 'add', `${ns.address}/${SUBNET_PREFIX}`, 'dev', DEVICE]);
      await runChecked(['ip', '-n', ns.name, 'link', 'set', 'lo', 'up']);
      await runChecked(['ip', '-n', ns.name, 'link', 'set', DEVICE, 'up']);
    }
  } catch (e) {
    await teardown();
    throw e;
  }

  const linkUp = async () => {
    await runChecked(['ip', '-n', a.name, 'link', 'set', DEVICE, 'up']);
    const deadline = Date.now() + 5000;
    while (!((await linkIsUp(a)) && (await linkIsUp(b)))) {
      if (Date.now() > deadline) throw new Error(`veth link between ${a.name} and ${b.name} did not come up within 5 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await linkUp();

  return {
    a,
    b,
    run: (ns, argv, opts) => runCommand(['ip', 'netns', 'exec', ns.name, ...argv], opts),
    spawn: (ns, argv, opts = {}) => {
      const child = startDaemon(['ip', 'netns', 'exec', ns.name, ...argv], opts);
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    },
    linkDown: async () => {
      await runChecked(['ip', '-n', a.name, 'link', 'set', DEVICE, 'down']);
    },
    linkUp,
    teardown,
  };
}
