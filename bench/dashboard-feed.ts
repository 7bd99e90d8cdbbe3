/**
 * The dashboard's own cost on the training host, free of the machine's noise: the CPU time the
 * launcher process spends per rank-microbatch on `--dashboard` (stats -> step row -> feed ->
 * batched server-sent events -> socket), with one page connected that reads and discards the stream
 * (a page's parsing and drawing happen in its browser, not here). Runs in this process.
 *
 *   node dist/bench/dashboard-feed.js --stats 200000
 *
 * Stats are published in bursts of `--ranks` (one per rank, as a microbatch finishes), with a
 * macrotask between bursts so the server's timer, socket writes and the page's reads run between
 * them as they would in training, and a 1 ms pause every 8 microbatches (at most 8000
 * microbatches a second: a job far faster than any here, yet one a page can follow).
 * Prints CPU µs per stats message (user + system): the paced loop alone, with the dashboard, and
 * with a page reading the stream (its reads run in this process too: an upper bound).
 */
import { get } from 'node:http';
import { cpus } from 'node:os';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import type { RankStats } from '../runtime/coordinator/rank-stats.js';
import { LiveDashboard } from '../runtime/dashboard/live.js';
import { straightPlan } from '../runtime/plan/plan.js';
import { intOption } from '../runtime/cli/options.js';

const program = new Command()
  .name('bench/dashboard-feed')
  .description('CPU the live dashboard costs the launcher per rank-microbatch')
  .option('--stats <n>', 'stats messages to publish', intOption(1000), 200_000)
  .option('--ranks <n>', 'ranks (stats per microbatch)', intOption(1), 4);
program.parse();
const o = program.opts<{ stats: number; ranks: number }>();

/** One block per rank: the plan only names the stages' ranks here. */
const plan = straightPlan({ model: { name: 'mlp' }, partition: new Array<number>(o.ranks).fill(1), microbatchSize: 8 });

function stats(mb: number, rank: number): RankStats {
  const jitter = (mb * 7 + rank * 13) % 10;
  return {
    mb, stage: rank, plan_version: 0, time_ms: 1000 + mb * 20 + rank, forward_ms: 3 + jitter / 10, backward_ms: 6 + jitter / 7, recv_wait_ms: 0.5, send_wait_ms: 0.25, optimizer_ms: 0.75, rows: 8,
    ...(rank === o.ranks - 1 ? { loss: 2.3 - mb * 1e-6 } : {}),
  };
}

type Setup = 'loop only' | 'dashboard, no page' | 'dashboard, a page reading';

/** CPU µs per stats message over --stats messages: the paced loop alone, or feeding a dashboard (with a page reading). */
async function measure(setup: Setup): Promise<{ usPerStats: number; bytes: number }> {
  const withPage = setup === 'dashboard, a page reading';
  if (setup === 'loop only') {
    const t0 = process.cpuUsage();
    let sink = 0;
    for (let mb = 0; mb < Math.ceil(o.stats / o.ranks); mb++) {
      for (let r = 0; r < o.ranks; r++) sink += stats(mb, r).time_ms;
      await (mb % 8 === 7 ? sleep(1) : nextTurn());
    }
    const used = process.cpuUsage(t0);
    if (sink < 0) throw new Error('unreachable');
    return { usPerStats: (used.user + used.system) / o.stats, bytes: 0 };
  }
  const d = await LiveDashboard.start({
    listen: { host: '127.0.0.1', port: 0 }, run: { name: 'bench', model: 'mlp', mode: 'dynpipe', microbatchSize: 8, worldSize: o.ranks, firstMicrobatch: 0, numMinibatches: o.stats },
    plan, planVersion: 0, say: (l) => process.stderr.write(`${l}\n`),
  });
  if (!d) throw new Error('dashboard did not start');
  let bytes = 0;
  let received = '';
  let ended!: () => void;
  const done = new Promise<void>((r) => (ended = r));
  if (withPage) {
    await new Promise<void>((ready) => {
      get(new URL('events', d.url), (res) => {
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          received = chunk.toString('latin1').slice(-200); // the end event is the stream's last frame
        });
        res.on('close', () => ended());
        ready();
      });
    });
  } else {
    ended();
  }
  const microbatches = Math.ceil(o.stats / o.ranks);
  const t0 = process.cpuUsage();
  for (let mb = 0; mb < microbatches; mb++) {
    for (let r = 0; r < o.ranks; r++) d.stats(r, stats(mb, r));
    await (mb % 8 === 7 ? sleep(1) : nextTurn());
  }
  d.end(true, 'done');
  await d.close();
  await done;
  const used = process.cpuUsage(t0);
  if (withPage && !received.includes('"kind":"end"')) throw new Error(`the page was dropped after ${bytes} bytes`);
  return { usPerStats: (used.user + used.system) / (microbatches * o.ranks), bytes };
}

await measure('dashboard, a page reading'); // warm-up: JIT
const setups: Setup[] = ['loop only', 'dashboard, no page', 'dashboard, a page reading'];
const results: Array<{ usPerStats: number; bytes: number }> = [];
for (const s of setups) results.push(await measure(s));
console.log(`# ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; ${o.stats} stats from ${o.ranks} ranks`);
console.log('| setup | CPU µs per stats message | of which the dashboard | bytes streamed per stats message |');
console.log('|---|---:|---:|---:|');
setups.forEach((s, i) => {
  const r = results[i];
  console.log(`| ${s} | ${r.usPerStats.toFixed(2)} | ${i === 0 ? '' : (r.usPerStats - results[0].usPerStats).toFixed(2)} | ${r.bytes ? (r.bytes / o.stats).toFixed(0) : ''} |`);
});
process.exit(0);
