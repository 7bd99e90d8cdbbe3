/** Process helpers for the generator tests. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const DYNPIPE = fileURLToPath(new URL('../../../runtime/cli/dynpipe.js', import.meta.url));

/** True while `pid` is a live process (a zombie awaiting its reaper counts as dead). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Resolves once none of `pids` is alive, or rejects naming the survivors after `timeoutMs`. */
export async function allGone(pids: readonly number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(alive)) {
    if (Date.now() > deadline) throw new Error(`still alive after ${timeoutMs} ms: ${pids.filter(alive).join(', ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** User + system CPU time of `pid` so far, in clock ticks (/proc/<pid>/stat fields 14 and 15). */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * Runs a fixed amount of arithmetic in a fresh Node process pinned to `core` and resolves with the
 * milliseconds it took (measured inside the process, so start-up is excluded).
 */
export function referenceWorkloadMs(core: number, iterations: number): Promise<number> {
  const code = `const t=performance.now();let x=0;for(let i=0;i<${iterations};i++)x=(x*1.0000001+i)%1e9;console.log(performance.now()-t, x>-1)`;
  return new Promise((resolve, reject) => {
    const c = spawn('taskset', ['-c', String(core), process.execPath, '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.on('error', reject);
    c.on('exit', (code) => (code === 0 ? resolve(Number(out.trim().split(' ')[0])) : reject(new Error(`reference workload exited ${code}`))));
  });
}
