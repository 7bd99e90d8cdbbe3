/**
 * Multi-host for real, on one machine: two "hosts" as two network namespaces joined by a veth pair
 * (test/support/netns.ts). Ranks 0 and 1 run in host a (rank 0 also runs the coordinator, as under
 * any launcher), ranks 2 and 3 in host b; each rank is placed torchrun-style by RANK, WORLD_SIZE,
 * LOCAL_RANK, MASTER_ADDR and MASTER_PORT.
 *
 *     host a 192.0.2.101                          host b 192.0.2.102
 *     rank 0 (+ coordinator) ─ipc─ rank 1 ──tcp──▶ rank 2 ─ipc─ rank 3
 */
import { strict as assert } from 'node:assert';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRankLog } from '../../../runtime/log/rank-log.js';
import { CLI, runCli, tempDir } from '../../support/cli.js';
import { createTwoHosts, netnsUnavailable, type Namespace, type TwoHosts } from '../../support/netns.js';
import { isAlive, runChecked } from '../../support/process.js';
import { skipSuiteIf } from '../../support/skip.js';

const PLAN = {
  version: 1, model: { name: 'mlp', args: { hidden: 16, layers: 3 } }, num_blocks: 4, partition: [1, 1, 1, 1],
  stage_to_rank_map: { '0': [0], '1': [1], '2': [2], '3': [3] }, microbatch_size: 8, schedule: '1f1b',
  training: { optimizer: 'momentum', lr: 0.05, momentum: 0.9, weight_decay: 0, seed: 5 },
};
const MINIBATCHES = 16;
const COMMON = ['--dataset', 'synthetic-image', '--train-samples', '256', '--backend', 'cpu'];
/** Namespaces have ports of their own, so a fixed coordinator port cannot collide with other tests. */
const PORT = 29500;

interface Rank {
  rank: number;
  child: ChildProcess;
  stderr(): string;
  exited: Promise<{ code: number | null; at: number }>;
}

function lossesOf(logDir: string, rank: number): number[] {
  const file = join(logDir, `rank-${rank}.csv`);
  return parseRankLog(readFileSync(file, 'utf8'), file).flatMap((r) => (r.row === 'step' && r.loss !== undefined ? [r.loss] : []));
}

/** The last line a rank wrote on stderr: its one-line error when it failed. */
const lastLine = (r: Rank) => r.stderr().trimEnd().split('\n').at(-1) ?? '';

describe('two hosts (network namespaces)', function () {
  this.timeout(120_000);
  const tmp = tempDir();
  const planPath = join(tmp.dir, 'plan.json');
  let hosts: TwoHosts | undefined;
  let reference: number[] = [];

  before(async function () {
    skipSuiteIf(this, netnsUnavailable());
    hosts = await createTwoHosts();
    writeFileSync(planPath, JSON.stringify(PLAN));
    const r = await runCli(['launch', '--plan', planPath, '--num-minibatches', String(MINIBATCHES), ...COMMON, '--log-dir', join(tmp.dir, 'ref'), '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    reference = lossesOf(join(tmp.dir, 'ref'), 3);
    assert.equal(reference.length, MINIBATCHES);
  });
  after(async () => {
    await hosts?.teardown();
    tmp.cleanup();
  });

  /** Starts ranks 0, 1 in host a and 2, 3 in host b, all pointed at the coordinator in host a. */
  function startRanks(args: string[]): Rank[] {
    const { a, b } = hosts!;
    return [a, a, b, b].map((ns: Namespace, rank) => {
      const env: NodeJS.ProcessEnv = { ...process.env, RANK: String(rank), WORLD_SIZE: '4', LOCAL_RANK: String(rank % 2), MASTER_ADDR: a.address, MASTER_PORT: String(PORT) };
      for (const k of Object.keys(env)) if (/^(SLURM_|OMPI_COMM_WORLD_|DYNPIPE_(MASTER_|LAUNCHER))/.test(k)) delete env[k];
      const child = hosts!.spawn(ns, [process.execPath, CLI, 'worker', '--config-path', planPath, ...COMMON, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      child.stdout!.resume();
      const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.once('exit', (code) => resolve({ code, at: Date.now() })));
      return { rank, child, stderr: () => err, exited };
    });
  }

  it('trains with ranks split across them, tcp between hosts and ipc within each: losses equal the single-host run', async () => {
    const ranks = startRanks(['--num-minibatches', String(MINIBATCHES), '--log-dir', join(tmp.dir, 'split')]);
    const ends = await Promise.all(ranks.map((r) => r.exited));
    ends.forEach((e, i) => assert.equal(e.code, 0, `rank ${i}: ${ranks[i].stderr()}`));
    assert.deepEqual(lossesOf(join(tmp.dir, 'split'), 3), reference);
    const routes = ranks.map((r) => /^rank \d+ on \S+ at (tcp:\/\/[\d.]+):\d+: (.*)$/m.exec(r.stderr())?.slice(1));
    assert.deepEqual(routes, [
      ['tcp://192.0.2.101', 'ipc to rank 1; tcp to ranks 2, 3'],
      ['tcp://192.0.2.101', 'ipc to rank 0; tcp to ranks 2, 3'],
      ['tcp://192.0.2.102', 'ipc to rank 3; tcp to ranks 0, 1'],
      ['tcp://192.0.2.102', 'ipc to rank 2; tcp to ranks 0, 1'],
    ]);
  });

  it('taking the link down mid-run ends every rank within 10 s with a clear error, leaving no process behind', async () => {
    const ranks = startRanks(['--num-minibatches', '100000', '--heartbeat-timeout-ms', '3000']);
    const training = ranks.map(
      (r) =>
        new Promise<void>((resolve, reject) => {
          const started = () => new RegExp(`^rank ${r.rank} \\(pid \\d+\\): stage`, 'm').test(r.stderr());
          r.child.stderr!.on('data', () => (started() ? resolve() : undefined));
          void r.exited.then(() => reject(new Error(`rank ${r.rank} exited before training: ${r.stderr()}`)));
        }),
    );
    await Promise.all(training);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // let microbatches cross the link
    assert.ok(ranks.every((r) => r.child.exitCode === null), 'a rank ended before the link went down');

    const down = Date.now();
    await hosts!.linkDown();
    const ends = await Promise.all(ranks.map((r) => r.exited));
    for (const [i, e] of ends.entries()) {
      assert.equal(e.code, 1, `rank ${i}: ${ranks[i].stderr()}`);
      assert.ok(e.at - down < 10_000, `rank ${i} took ${e.at - down} ms to end`);
    }
    // Host a: the coordinator hears nothing from host b; host b: its ranks hear nothing from it.
    const lost = /stopped responding \(no heartbeat for \d+ ms\)/;
    assert.match(lastLine(ranks[0]), new RegExp(`^dynpipe: rank [23] ${lost.source}$`));
    assert.match(lastLine(ranks[1]), new RegExp(`^dynpipe: rank 1: stopped by the coordinator: rank [23] ${lost.source}$`));
    for (const r of [2, 3]) {
      assert.match(lastLine(ranks[r]), new RegExp(`^dynpipe: rank ${r}: lost the coordinator at 'tcp://192\\.0\\.2\\.101:${PORT}' \\(no answer within 3000 ms, or it exited\\)$`));
    }
    for (const r of ranks) assert.ok(!isAlive(r.child.pid!), `rank ${r.rank} (pid ${r.child.pid}) still running`);
    for (const ns of [hosts!.a, hosts!.b]) assert.equal((await runChecked(['ip', 'netns', 'pids', ns.name])).trim(), '', `processes left in ${ns.name}`);
    await hosts!.linkUp();
  });
});
