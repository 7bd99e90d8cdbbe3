/**
 * What the live dashboard costs training (issue 13; goal: iteration time within 1 %): the same
 * `dynpipe launch` run in these modes:
 *   off         no dashboard;
 *   stream      --dashboard and a client reading and parsing the event stream (what a page on
 *               another machine costs the training host: server, serialisation, sockets);
 *   page-niced  --dashboard and the page in headless Chromium at nice 19 on the same cores;
 *   page        the same at normal priority: the worst case, a browser drawing on the training host.
 *
 *   node dist/bench/dashboard.js --reps 3 --microbatches 300
 *
 * Modes run in a rotating order each repetition, so drift in the machine's load spreads over all.
 * Iteration time: mean time between the last stage's completions, after the first 20 % (warm-up),
 * from the rank logs. Prints one markdown row per run, then per mode the median and its
 * difference from the median without a dashboard.
 */
import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import puppeteer, { type Browser } from 'puppeteer-core';
import { isStep } from '../runtime/log/metrics.js';
import { readRankLogs } from '../runtime/log/rank-log-files.js';
import { printPlan, straightPlan } from '../runtime/plan/plan.js';
import { intOption } from '../runtime/cli/options.js';
import { SseFrameReader } from '../runtime/dashboard/sse-frames.js';

type Mode = 'off' | 'stream' | 'page-niced' | 'page';

const CLI = fileURLToPath(new URL('../runtime/cli/dynpipe.js', import.meta.url));

const program = new Command()
  .name('bench/dashboard')
  .description('iteration time of one launch without and with --dashboard (and a page attached)')
  .option('--model <name>', 'zoo model', 'tinycnn')
  .option('--partition <a,b,...>', 'blocks per stage (one rank each)', '3,2')
  .option('--batch <n>', 'microbatch size', intOption(1), 32)
  .addOption(new Option('--backend <name>').choices(['wasm', 'cpu', 'webgpu']).default('wasm'))
  .option('--microbatches <n>', 'microbatches per run', intOption(20), 300)
  .option('--reps <n>', 'runs per mode', intOption(1), 3)
  .option('--modes <list>', 'comma-separated: off, stream, page-niced, page', 'off,stream,page-niced,page')
  .option('--chromium <path>', 'Chromium executable', '/usr/bin/chromium');
program.parse();
const o = program.opts<{ model: string; partition: string; batch: number; backend: string; microbatches: number; reps: number; modes: string; chromium: string }>();
const modes = o.modes.split(',') as Mode[];

const dir = mkdtempSync(join(tmpdir(), 'dynpipe-bench-dashboard-'));
const planPath = join(dir, 'plan.json');
writeFileSync(planPath, printPlan(straightPlan({ model: { name: o.model }, partition: o.partition.split(',').map(Number), microbatchSize: o.batch })));
const niced = join(dir, 'chromium-nice19.sh');
writeFileSync(niced, `#!/bin/sh\nexec nice -n 19 ${o.chromium} "$@"\n`);
chmodSync(niced, 0o755);

/** Reads /events to its end, parsing every event as the page would. */
function readStream(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    get(new URL('events', url), (res) => {
      const frames = new SseFrameReader();
      res.setEncoding('utf8');
      res.on('data', (d: string) => frames.push(d));
      res.on('end', () => resolve());
      res.on('error', () => resolve());
    }).on('error', reject);
  });
}

/** One launch; with a page, the page opens as soon as the URL is printed and stays to the end. */
async function runOnce(mode: Mode, rep: number): Promise<{ iterationMs: number; renders: number; renderMs: number }> {
  const logs = join(dir, `${mode}-${rep}`);
  const args = [CLI, 'launch', '--plan', planPath, '--num-minibatches', String(o.microbatches), '--dataset', 'synthetic-image', '--train-samples', '1024', '--backend', o.backend, '--log-dir', logs, '--quiet'];
  if (mode !== 'off') args.push('--dashboard');
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (mode === 'off') child.stderr!.resume();
  let browser: Browser | undefined;
  let stats = { renders: 0, renderMs: 0 };
  const page = (async () => {
    if (mode === 'off') return;
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stderr! }).on('line', (l) => {
        const m = /dashboard at (http\S+)/.exec(l);
        if (m) resolve(m[1]);
      });
      child.on('exit', () => reject(new Error('launch ended before printing the dashboard URL')));
    });
    if (mode === 'stream') return readStream(url);
    browser = await puppeteer.launch({ executablePath: mode === 'page-niced' ? niced : o.chromium, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    const p = await browser.newPage();
    await p.setViewport({ width: 1600, height: 1000 });
    await p.goto(url);
    // read the page's counters until the run ends
    for (;;) {
      const s = await p.evaluate(() => ({ renders: window.dynpipeDashboard?.renders ?? 0, renderMs: window.dynpipeDashboard?.renderMs ?? 0, ended: window.dynpipeDashboard?.model.end !== undefined }));
      stats = s;
      if (s.ended || child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  await page.catch((e: unknown) => process.stderr.write(`page: ${(e as Error).message}\n`));
  await browser?.close();
  if (code !== 0) throw new Error(`launch (${mode}) exited with ${code}`);
  const last = o.partition.split(',').length - 1;
  const done = (await readRankLogs(logs)).filter(isStep).filter((s) => s.stage === last).map((s) => s.time_ms).sort((a, b) => a - b);
  const from = Math.floor(done.length * 0.2);
  return { iterationMs: (done[done.length - 1] - done[from]) / (done.length - 1 - from), ...stats };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

console.log(`# ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`# ${o.model} [${o.partition}] batch ${o.batch}, ${o.backend}, ${o.microbatches} microbatches, ${o.reps} reps, modes ${modes.join(', ')}`);
console.log('| rep | mode | iteration ms | page redraws | page ms drawing |');
console.log('|---:|---|---:|---:|---:|');
const results = new Map<Mode, number[]>(modes.map((m) => [m, []]));
for (let rep = 0; rep < o.reps; rep++) {
  const order = modes.map((_, i) => modes[(i + rep) % modes.length]);
  for (const mode of order) {
    const r = await runOnce(mode, rep);
    results.get(mode)!.push(r.iterationMs);
    console.log(`| ${rep} | ${mode} | ${r.iterationMs.toFixed(2)} | ${mode.startsWith('page') ? r.renders : ''} | ${mode.startsWith('page') ? r.renderMs.toFixed(0) : ''} |`);
  }
}
const base = median(results.get('off') ?? [NaN]);
console.log('');
console.log('| mode | median iteration ms | vs off |');
console.log('|---|---:|---:|');
for (const m of modes) {
  const med = median(results.get(m)!);
  console.log(`| ${m} | ${med.toFixed(2)} | ${m === 'off' ? '' : `${(100 * (med / base - 1)).toFixed(2)} %`} |`);
}
console.log(`# load average at end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
process.exit(0);
