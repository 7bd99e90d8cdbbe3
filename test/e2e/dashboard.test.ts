/**
 * The dashboard in a real browser (headless Debian Chromium via puppeteer-core) against a real job:
 *
 *   dynpipe launch --dashboard  (2 ranks, mlp, cpu, mode dynpipe, plan [2, 2])
 *     │  ranks slowed 3x by the bench hook (sleeps: long enough a run at little CPU); rank 1 3x more
 *     │  on microbatches [120, 330) -> an interference window the launcher knows
 *     ├─ page A opens at start, stays to the end; page B opens and is closed mid-run; a raw client
 *     │  vanishes mid-stream; another subscribes and never reads again
 *     ├─ once the page shows a decision at microbatch >= 160: an admin request (what
 *     │  `dynpipe repartition` sends) moves a block off the slowed rank: [3, 1]
 *     ├─ page A's plan bar changes to v1 -> the job ends (exit 0, every microbatch logged)
 *     └─ screenshot (DYNPIPE_DASHBOARD_SCREENSHOT=path keeps it; docs/dashboard.png is made so), then
 *        what page A shows is checked against the rank logs, the decision log and the launch output.
 *   dynpipe dashboard --logs (the same logs) on 0.0.0.0: 403 without the token; the page opened
 *        with it replays the logs and shows exactly their rows and plan.
 *   dynpipe launch --dashboard on a taken port (one rank): one line, and training runs to the end.
 */
import { strict as assert } from 'node:assert';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { readText } from '../../runtime/cli/text-files.js';
import { parseDecisionLog } from '../../runtime/cli/decision-log.js';
import { readRankLogs } from '../../runtime/log/rank-log-files.js';
import type { RankLogRow } from '../../runtime/log/rank-log.js';
import { adminRequest } from '../../runtime/transport/admin-client.js';
import { chromiumMissing, launchBrowser } from '../support/browser.js';
import { type CliResult, runCli, startCli, tempDir } from '../support/cli.js';
import { stopChild } from '../support/process.js';
import { skipSuiteIf } from '../support/skip.js';
import { planJson, writePlan } from '../runtime/migration/helpers.js';
import { httpGet } from '../support/http.js';
import { expectedIterationPoints, stalledClient, stepKey, steps, vanishingClient, waitForOutput } from './dashboard-helpers.js';

const MICROBATCHES = 480;
const SLOW = '0:3:0-,1:3:0-,1:3:120mb-330mb';
const SLOW_FROM = 120;
const SLOW_TO = 330;
/** The admin request goes out once the page shows a decision of this iteration: inside the slow span. */
const CHANGE_AFTER = 160;
const DATA = ['--dataset', 'synthetic-image', '--train-samples', '256', '--backend', 'cpu'];

/** The page's current value of `expr`, evaluated in the page (window.dynpipeDashboard is its handle). */
function inPage<T>(page: Page, f: () => T): Promise<T> {
  return page.evaluate(f) as Promise<T>;
}

/** Waits until the page has drawn every event it received and the run has ended. */
async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => window.dynpipeDashboard?.model.end !== undefined && window.dynpipeDashboard.renderedEvents === window.dynpipeDashboard.model.events, { timeout: 60_000, polling: 200 });
}

describe('dashboard (browser, multi-process)', function () {
  this.timeout(180_000);
  const tmp = tempDir();
  let browser: Browser | undefined;
  let logs: string;

  before(async function () {
    skipSuiteIf(this, chromiumMissing());
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    tmp.cleanup();
  });

  it('shows a running job live, through a repartition, with the values its logs hold', async () => {
    const oldPlan = writePlan(tmp.dir, 'old.json', planJson([2, 2], [[0], [1]]));
    const newPlan = planJson([3, 1], [[0], [1]]);
    logs = join(tmp.dir, 'logs');
    const decisionLog = join(logs, 'decisions.csv');
    const job = startCli(
      ['launch', '--plan', oldPlan, '--num-minibatches', String(MICROBATCHES), ...DATA, '--log-dir', logs, '--mode', 'dynpipe', '--window', '10', '--warmup-windows', '0', '--margin', '1000000', '--decision-log', decisionLog, '--dashboard', '--quiet'],
      { env: { DYNPIPE_BENCH_SLOW: SLOW } },
    );
    let result: CliResult | undefined;
    try {
      const url = (await waitForOutput(job.child, /dashboard at (http:\S+)/, 60_000))[1];
      const port = Number(new URL(url).port);
      const endpoint = (await waitForOutput(job.child, /coordinator at (tcp:\S+)/, 60_000))[1];
      const page = await browser!.newPage();
      await page.setViewport({ width: 1600, height: 1000 });
      await page.goto(url);
      const doomed = await browser!.newPage();
      await doomed.goto(url);
      const stalled = stalledClient(port);

      // plan v0 on screen, predictions coming in from inside rank 1's slow span
      await page.waitForFunction(
        (after: number) => {
          const d = window.dynpipeDashboard;
          const plan = d?.views.plan?.data('ranks_0_data') as Array<{ plan_version: number }> | undefined;
          return plan?.[0]?.plan_version === 0 && (d.model.decision?.iteration ?? 0) >= after;
        },
        { timeout: 90_000, polling: 200 },
        CHANGE_AFTER,
      );
      await doomed.close();
      await vanishingClient(port);
      const applied = adminRequest(endpoint, { type: 'admin-repartition', plan: newPlan as Record<string, unknown> }, 60_000);
      await page.waitForFunction(() => (window.dynpipeDashboard.views.plan?.data('ranks_0_data') as Array<{ plan_version: number }>)[0]?.plan_version === 1, { timeout: 60_000, polling: 200 });
      const reply = await applied;
      assert.ok(reply.ok, reply.message);

      result = await job.done;
      stalled.destroy();
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`trained ${MICROBATCHES} microbatches`));
      await settled(page);

      const shot = process.env.DYNPIPE_DASHBOARD_SCREENSHOT ? resolve(process.env.DYNPIPE_DASHBOARD_SCREENSHOT) : join(tmp.dir, 'dashboard.png');
      mkdirSync(dirname(shot), { recursive: true });
      await page.screenshot({ path: join(tmp.dir, 'shot.png'), fullPage: true });
      copyFileSync(join(tmp.dir, 'shot.png'), shot);

      const rows = await readRankLogs(logs);
      const logged = steps(rows);
      // training went on to the end in spite of the pages that left or stalled
      for (const rank of [0, 1]) assert.equal(logged.filter((s) => s.rank === rank).length, MICROBATCHES, `rank ${rank} logged every microbatch`);

      // 1. the page holds exactly the logged step rows, bit for bit
      const pageRows = await inPage(page, () => window.dynpipeDashboard.model.rows);
      const onPage = new Map(steps(pageRows).map((s) => [stepKey(s), s]));
      assert.equal(onPage.size, logged.length);
      for (const s of logged) assert.deepEqual(onPage.get(stepKey(s)), s, `step row ${stepKey(s)}`);

      // 2. the iteration-time panel plots the logged iteration times
      const k = await inPage(page, () => window.dynpipeDashboard.windows().iterations);
      const plotted = await inPage(page, () => (window.dynpipeDashboard.views.iterations!.data('iterations_0_data') as Array<{ iteration: number; time_s: number; iteration_ms: number }>).map(({ iteration, time_s, iteration_ms }) => ({ iteration, time_s, iteration_ms })));
      assert.deepEqual(plotted, expectedIterationPoints(rows, k));
      const shaded = await inPage(page, () => (window.dynpipeDashboard.views.iterations!.data('interference_0_data') as Array<{ level: string; start_s: number; end_s: number }>).map(({ level, start_s, end_s }) => ({ level, start_s, end_s })));
      const slowAt = (mb: number) => logged.find((s) => s.rank === 1 && s.microbatch === mb)!.time_ms / 1000;
      // the figure shades the union of the windows per level (figures/data.ts mergeSpans); rank 1's is the only one
      assert.deepEqual(shaded, [{ level: 'heavy', start_s: slowAt(SLOW_FROM), end_s: slowAt(SLOW_TO) }]);

      // 3. the loss panel plots the last stage's logged losses
      const lossPoints = await inPage(page, () => (window.dynpipeDashboard.views.loss!.data('progress_data') as Array<{ time_s: number; value: number }>).map(({ time_s, value }) => ({ time_s, value })));
      const losses = logged.filter((s) => s.loss !== undefined).sort((a, b) => a.time_ms - b.time_ms).map((s) => ({ time_s: s.time_ms / 1000, value: s.loss! }));
      assert.deepEqual(lossPoints, losses);

      // 4. the plan bar: the logged new partition, each rank's logged stage, the last logged prediction
      const moves = rows.filter((r): r is Extract<RankLogRow, { row: 'repartition' }> => r.row === 'repartition');
      assert.equal(moves.length, 2);
      assert.deepEqual(moves.map((m) => m.new_partition), [[3, 1], [3, 1]]);
      const bars = await inPage(page, () => (window.dynpipeDashboard.views.plan!.data('ranks_0_data') as Array<{ rank: number; stage: number; start_block: number; end_block: number; predicted_slowdown: number; label: string[] }>).map(({ rank, stage, start_block, end_block, predicted_slowdown, label }) => ({ rank, stage, start_block, end_block, predicted_slowdown, label })));
      const decisions = parseDecisionLog(readText(decisionLog), decisionLog);
      const last = decisions[decisions.length - 1].slowdowns;
      assert.deepEqual(bars.map((b) => [b.rank, b.stage, b.start_block, b.end_block]), moves.sort((a, b) => a.rank - b.rank).map((m) => [m.rank, m.stage, m.stage === 0 ? 0 : 3, m.stage === 0 ? 3 : 4]));
      for (const b of bars) {
        assert.ok(Math.abs(b.predicted_slowdown - last[b.rank]) <= 0.0005 + 1e-9, `rank ${b.rank}: page predicts ${b.predicted_slowdown}, decision log ${last[b.rank]}`);
        assert.deepEqual(b.label, [`stage ${b.stage} · ${b.end_block - b.start_block} block${b.end_block - b.start_block === 1 ? '' : 's'}`, `predicted ×${b.predicted_slowdown.toFixed(2)}`]);
      }
      const labelsInSvg = await inPage(page, () => Array.from(document.querySelectorAll('#panel-plan svg text')).map((t) => t.textContent ?? ''));
      for (const b of bars) assert.ok(labelsInSvg.some((t) => t.includes(b.label[1])), `the plan bar shows '${b.label[1]}'`);

      // 5. the facts and the table of changes: progress, plan, the coordinator's pause as launch printed it
      const facts = await inPage(page, () => ({ progress: document.getElementById('fact-progress')!.textContent, plan: document.getElementById('fact-plan')!.textContent, table: Array.from(document.querySelectorAll('#changes tbody tr')).map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent)) }));
      assert.equal(facts.progress, `microbatch ${MICROBATCHES} of ${MICROBATCHES}`);
      assert.match(facts.plan ?? '', /^v1 \[3, 1\]: stage 0 on rank 0; stage 1 on rank 1 \(admin, /);
      const pause = /plan changes: v1 \[3, 1\] at mb (\d+) \(admin, pause (\d+\.\d) ms\)/.exec(result.stdout);
      assert.ok(pause, result.stdout);
      assert.equal(facts.table.length, 1);
      assert.deepEqual([facts.table[0][0], facts.table[0][1], facts.table[0][3], facts.table[0][4], facts.table[0][5]], ['v1', 'admin', pause[1], '[2, 2] → [3, 1]', `${pause[2]} ms`]);
      assert.equal(String(moves[0].iteration), pause[1], 'the logs and the coordinator agree on the cut');
    } finally {
      if (!result) await stopChild(job.child);
    }
  });

  it('replays the logs on a non-loopback bind: 403 without the token, the logged rows and plan with it', async () => {
    assert.ok(logs, 'needs the logs of the live test');
    const replay = startCli(['dashboard', '--logs', logs, '--speed', '1000', '--listen', '0.0.0.0:0']);
    try {
      const url = (await waitForOutput(replay.child, /dynpipe dashboard: (http:\S+)/, 60_000))[1];
      const { port, searchParams } = new URL(url);
      const token = searchParams.get('token');
      assert.match(token ?? '', /^[0-9a-f]{32}$/);
      const local = `http://127.0.0.1:${port}`;
      for (const path of ['/', '/events', '/vendor/vega.min.js', '/js/runtime/dashboard/page/main.js']) {
        assert.equal((await httpGet(`${local}${path}`)).status, 403, `${path} without a token`);
        assert.equal((await httpGet(`${local}${path}?token=${'0'.repeat(32)}`)).status, 403, `${path} with a wrong token`);
      }
      const page = await browser!.newPage();
      await page.goto(`${local}/?token=${token}`); // the cookie set here lets the page's scripts and stream in
      await settled(page);
      const rows = await readRankLogs(logs);
      const pageRows = await inPage(page, () => window.dynpipeDashboard.model.rows);
      const order = (r: RankLogRow) => `${r.time_ms}/${r.rank}/${r.row}`;
      assert.deepEqual([...pageRows].sort((a, b) => order(a).localeCompare(order(b))), [...rows].sort((a, b) => order(a).localeCompare(order(b))));
      const bars = await inPage(page, () => (window.dynpipeDashboard.views.plan!.data('ranks_0_data') as Array<{ plan_version: number; rank: number; start_block: number; end_block: number }>).map(({ plan_version, rank, start_block, end_block }) => ({ plan_version, rank, start_block, end_block })));
      assert.deepEqual(bars, [{ plan_version: 1, rank: 0, start_block: 0, end_block: 3 }, { plan_version: 1, rank: 1, start_block: 3, end_block: 4 }]);
      const decisions = parseDecisionLog(readText(join(logs, 'decisions.csv')), 'decisions.csv');
      assert.equal(await inPage(page, () => window.dynpipeDashboard.model.decisions.length), decisions.length, 'the predictions come from <logs>/decisions.csv');
      assert.match((await inPage(page, () => document.getElementById('fact-status')!.textContent)) ?? '', new RegExp(`^finished: replayed ${2 * MICROBATCHES} step rows and 1 repartition of logs$`));
      await page.close();
    } finally {
      await stopChild(replay.child);
    }
  });

  it('a dashboard that cannot listen says one line and the job trains to the end', async () => {
    const squatter: Server = createServer();
    await new Promise<void>((done) => squatter.listen(0, '127.0.0.1', done));
    const port = (squatter.address() as AddressInfo).port;
    try {
      const single = writePlan(tmp.dir, 'single.json', planJson([4], [[0]]));
      const r = await runCli(['launch', '--plan', single, '--num-minibatches', '6', ...DATA, '--dashboard', `127.0.0.1:${port}`, '--quiet']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /trained 6 microbatches/);
      const lines = r.stderr.split('\n').filter((l) => l.includes('dashboard'));
      assert.deepEqual(lines, [`dynpipe launch: dashboard: cannot listen on 127.0.0.1:${port}: EADDRINUSE; training continues without a dashboard`]);
    } finally {
      squatter.close();
    }
  });
});
