/** Pieces of the dashboard page tests: reading a CLI's announced URLs, raw HTTP clients, and the numbers the page must agree with, worked out here from the log rows themselves. */
import type { ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import type { RankLogRow, StepRow } from '../../runtime/log/rank-log.js';

/** Resolves with the first match of `re` in the child's output (stdout and stderr), or rejects after `ms`. */
export function waitForOutput(child: ChildProcess, re: RegExp, ms: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no ${re} within ${ms} ms in: ${seen.slice(-2000)}`)), ms);
    const look = (d: Buffer) => {
      seen += d.toString();
      const m = re.exec(seen);
      if (!m) return;
      clearTimeout(timer);
      child.stdout?.off('data', look);
      child.stderr?.off('data', look);
      resolve(m);
    };
    child.stdout?.on('data', look);
    child.stderr?.on('data', look);
  });
}

/**
 * A page that subscribes to /events and then never reads again (its socket paused): the server
 * must neither wait for it nor let it hold training back.
 */
export function stalledClient(port: number): Socket {
  const socket = connect(port, '127.0.0.1', () => {
    socket.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    socket.once('data', () => socket.pause());
  });
  socket.on('error', () => undefined);
  return socket;
}

/** A page that subscribes and disappears abruptly (socket destroyed) once the first bytes came. */
export function vanishingClient(port: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`));
    socket.once('data', () => {
      socket.destroy();
      resolve();
    });
    socket.on('error', () => resolve());
  });
}

export const steps = (rows: readonly RankLogRow[]): StepRow[] => rows.filter((r): r is StepRow => r.row === 'step');

/** `${rank}/${microbatch}`: identifies a step row within a run. */
export const stepKey = (s: StepRow): string => `${s.rank}/${s.microbatch}`;

/**
 * Iteration times as the iteration-time figure defines them, restated from its definition: the end
 * of iteration i is the latest step row of i on any rank, its time end(i) - end(i-1) for
 * consecutive iterations; means over runs of k such times, partial runs dropped.
 */
export function expectedIterationPoints(rows: readonly RankLogRow[], k: number): Array<{ iteration: number; time_s: number; iteration_ms: number }> {
  const end = new Map<number, number>();
  for (const s of steps(rows)) end.set(s.iteration, Math.max(end.get(s.iteration) ?? -Infinity, s.time_ms));
  const its = [...end.keys()].sort((a, b) => a - b);
  const single = its.slice(1).flatMap((i, j) => (its[j] === i - 1 ? [{ iteration: i, end_ms: end.get(i)!, ms: end.get(i)! - end.get(i - 1)! }] : []));
  const out = [];
  for (let j = 0; j + k <= single.length; j += k) {
    const w = single.slice(j, j + k);
    out.push({ iteration: w[k - 1].iteration, time_s: w[k - 1].end_ms / 1000, iteration_ms: w.reduce((a, b) => a + b.ms, 0) / k });
  }
  return out;
}
