/**
 * `dynpipe dashboard --logs DIR [--speed X]`: replays a finished run from its logs through the
 * dashboard a live `dynpipe launch --dashboard` serves, then keeps serving the last picture until
 * interrupted. A thin shell: flags -> logs -> replay timeline -> server -> play.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import { DynpipeError } from '../../errors.js';
import { isStep } from '../../log/metrics.js';
import { readRankLogs } from '../../log/rank-log-files.js';
import { SUMMARY_FILE_NAME, parseSummary, type Summary } from '../../log/summary.js';
import { numStages, ranksOfStage, type Plan } from '../../plan/plan.js';
import { Assets } from '../../dashboard/assets.js';
import type { DecisionEvent } from '../../dashboard/events.js';
import { DEFAULT_FEED_OPTIONS, DashboardFeed } from '../../dashboard/feed.js';
import { DEFAULT_LISTEN, isLoopbackHost, parseListenAddress } from '../../dashboard/listen-address.js';
import { newToken } from '../../dashboard/live.js';
import { play, replayTimeline } from '../../dashboard/replay.js';
import { DashboardServer } from '../../dashboard/server.js';
import { parseDecisionLog } from '../decision-log.js';
import { floatOption } from '../options.js';
import { readPlanFile } from '../plan-file.js';
import { progressBar } from '../progress-bar.js';
import { readText } from '../text-files.js';

/** The decision log `dynpipe dashboard` picks up from the log directory when --decision-log is not given. */
export const DEFAULT_DECISION_LOG = 'decisions.csv';

interface DashboardFlags {
  logs: string;
  speed: number;
  listen?: string;
  plan?: string;
  decisionLog?: string;
  progress?: boolean;
}

async function readSummaryIfAny(dir: string): Promise<Summary | undefined> {
  const path = join(dir, SUMMARY_FILE_NAME);
  if (!existsSync(path)) return undefined;
  return parseSummary(await readFile(path, 'utf8'), path);
}

function decisionsOf(path: string | undefined): DecisionEvent[] {
  if (!path) return [];
  return parseDecisionLog(readText(path), path).map((d) => ({
    time_ms: d.time_ms, iteration: d.iteration, plan_version: d.plan_version, action: d.action, slowdowns: d.slowdowns,
    current_ms_per_iter: d.current_ms_per_iter, proposed_ms_per_iter: d.proposed_ms_per_iter, proposed_partition: d.proposed_partition, reason: d.reason,
  }));
}

function planInForce(plan: Plan) {
  return { plan_version: 0, partition: [...plan.partition], stage_ranks: Array.from({ length: numStages(plan) }, (_, s) => ranksOfStage(plan, s)) };
}

async function run(f: DashboardFlags): Promise<void> {
  const dir = resolve(f.logs);
  const listen = f.listen === undefined ? DEFAULT_LISTEN : parseListenAddress(f.listen, '--listen');
  const [rows, summary, plan] = await Promise.all([readRankLogs(dir), readSummaryIfAny(dir), f.plan ? readPlanFile(resolve(f.plan)) : undefined]);
  const decisionLog = f.decisionLog ? resolve(f.decisionLog) : existsSync(join(dir, DEFAULT_DECISION_LOG)) ? join(dir, DEFAULT_DECISION_LOG) : undefined;
  const decisions = decisionsOf(decisionLog);
  const steps = rows.filter(isStep);
  if (steps.length === 0) throw new DynpipeError('E_DATA', `logs ${dir}: no step rows to replay`);
  const microbatches = steps.map((s) => s.microbatch);
  const timeline = replayTimeline({
    run: {
      name: basename(dir), model: summary?.model ?? plan?.model.name ?? 'unknown model', mode: summary?.mode ?? 'unknown mode',
      microbatchSize: summary?.microbatch_size ?? plan?.microbatch_size ?? 0, worldSize: Math.max(...rows.map((r) => r.rank)) + 1,
      firstMicrobatch: Math.min(...microbatches), numMinibatches: Math.max(...microbatches) + 1, source: 'replay', speed: f.speed,
    },
    rows,
    initialPlan: plan ? planInForce(plan) : undefined,
    decisions,
  });
  const feed = new DashboardFeed({ ...DEFAULT_FEED_OPTIONS, say: (l) => process.stderr.write(`${l}\n`) });
  const server = await DashboardServer.start({ listen, token: isLoopbackHost(listen.host) ? undefined : newToken(), feed, assets: new Assets(), say: (l) => process.stderr.write(`${l}\n`) });
  const stopped = new Promise<void>((done) => {
    const stop = () => void server.close().then(done);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stdout.write(`dynpipe dashboard: ${server.url(hostname())} (replaying ${dir} at ${f.speed}x${decisionLog ? `, predictions from ${decisionLog}` : ''}; Ctrl-C to stop)\n`);
  const endMs = timeline[timeline.length - 1].at_ms;
  const bar = progressBar(Math.ceil(endMs / 1000), 'replay', 's of the run', Boolean(f.progress));
  await play(timeline, { speed: f.speed, tickMs: 100, publish: (e) => feed.publish(e), now: () => performance.now(), sleep: (ms) => sleep(ms), onProgress: (at) => bar.update(Math.floor(at / 1000)) });
  bar.stop();
  process.stderr.write('dynpipe dashboard: replay finished; still serving the page (Ctrl-C to stop)\n');
  await stopped;
}

export function register(program: Command): void {
  program
    .command('dashboard')
    .description("replay a finished run's logs through the live dashboard (dynpipe launch --dashboard serves a running one)")
    .requiredOption('--logs <dir>', 'log directory of the run (rank-<r>.csv, optional summary.json and decisions.csv)')
    .option('--speed <x>', 'job-clock seconds replayed per real second', floatOption(1e-3, 1e6), 1)
    .option('--listen <host:port>', 'address to serve on; any non-loopback host requires the token printed in the URL (default 127.0.0.1, a free port)')
    .option('--plan <plan.json>', "the run's first plan (default: from its first repartition's rows)")
    .option('--decision-log <file.csv>', `predicted slowdowns: the run's --decision-log (default: <logs>/${DEFAULT_DECISION_LOG} if present)`)
    .option('--progress', 'show a progress bar even when stderr is not a terminal')
    .action((f: DashboardFlags) => run(f));
}
