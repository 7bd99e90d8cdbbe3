/**
 * Child processes for test fixtures: run a command to completion under a deadline, and stop a
 * daemon we started by its pid (SIGTERM, then SIGKILL after a grace period). Nothing here finds
 * processes by name.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** The child is killed (SIGKILL) and the promise rejects when it runs longer. */
  timeoutMs?: number;
}

/** Runs `argv` to completion and collects its output; never rejects on a non-zero exit. */
export function runCommand(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { env: opts.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`'${argv.join(' ')}' ran longer than ${timeoutMs} ms; stderr: ${stderr.trim().slice(-500)}`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Like runCommand, but rejects unless the exit code is 0; resolves with stdout. */
export async function runChecked(argv: readonly string[], opts: RunOptions = {}): Promise<string> {
  const r = await runCommand(argv, opts);
  if (r.code !== 0) {
    throw new Error(`'${argv.join(' ')}' exited with ${r.code ?? r.signal}: ${(r.stderr || r.stdout).trim().slice(-500)}`);
  }
  return r.stdout;
}

/** Synchronous variant for exit handlers: true when the command exited 0. */
export function runQuietlySync(argv: readonly string[]): boolean {
  return spawnSync(argv[0], argv.slice(1), { stdio: 'ignore', timeout: 10_000 }).status === 0;
}

/** True when `name` is an executable on PATH (checked with `command -v`). */
export function onPath(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v "$1"`, 'sh', name], { stdio: 'ignore' }).status === 0;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Starts a long-running child; its stdout and stderr go where `stdio` says. */
export function startDaemon(argv: readonly string[], options: SpawnOptions): ChildProcess {
  return spawn(argv[0], argv.slice(1), options);
}

/** Resolves when `child` has exited, or after `ms` with false. */
function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Stops a child we started, by its pid: SIGTERM, then SIGKILL if it outlives `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (await exited(child, graceMs)) return;
  child.kill('SIGKILL');
  await exited(child, graceMs);
}
