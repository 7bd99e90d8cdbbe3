import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRankLogs } from '../../runtime/log/rank-log-files.js';
import { summarizeRun } from '../../runtime/log/summarize.js';
import { parseSummary } from '../../runtime/log/summary.js';
import { type Plan, validatePlan } from '../../runtime/plan/plan.js';
import { writeSimulation } from '../../runtime/cli/simulate-output.js';
import { noDecision } from '../../runtime/coordinator/policy.js';
import type { Decision, PolicyInput, RepartitionPolicy } from '../../runtime/sim/policy.js';
import { simulate } from '../../runtime/sim/simulate.js';
import type { RankInterference } from '../../runtime/sim/interference.js';
import { tempDir } from '../support/cli.js';
import { blocksOf, config } from './helpers.js';

/** Moves to `to` at its first decision, then never again; remembers what it was told. */
class ScriptedPolicy implements RepartitionPolicy {
  inputs: PolicyInput[] = [];
  appliedAt: Array<[number, number | undefined]> = [];
  constructor(private readonly to: Plan) {}
  decide(input: PolicyInput): Decision {
    this.inputs.push(input);
    const none = noDecision('scripted', { slowdowns: [] });
    return this.inputs.length === 1 ? { ...none, action: 'repartition', plan: this.to } : none;
  }
  applied(timeMs: number, pauseMs?: number): void {
    this.appliedAt.push([timeMs, pauseMs]);
  }
}

// 2 stages of 2 blocks, each block f = b = 0.5 ms: f + b = 2 ms per stage and microbatch
const from = validatePlan({ version: 1, model: { name: 'test' }, num_blocks: 4, partition: [2, 2], stage_to_rank_map: { '0': [0], '1': [1] }, microbatch_size: 8 });
const to = validatePlan({ ...from, partition: [3, 1] });
const blocks = blocksOf([0.5, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, 0.5], { paramBytes: 1000 });

function run(policy: RepartitionPolicy, interference: RankInterference[] = []) {
  return simulate(config(from, blocks, { microbatches: 30, windowMicrobatches: 5, cutSlack: 2, policy, interference, pause: { kind: 'live', fixedMs: 10, bandwidthBytesPerS: 1e6 } }));
}

describe('simulator: a plan change', () => {
  it('cuts at the first unforwarded microbatch + slack, drains, pauses, and resumes under the new plan', () => {
    const policy = new ScriptedPolicy(to);
    const result = run(policy);
    // Steady state: the last stage completes mb k at 3 + 2k, so the first window (5 completions)
    // ends at 11; stage 0 started F5 at 10 and starts F6 only at 12, so the cut is 6 + 2 = 8.
    assert.equal(policy.inputs[0].timeMs, 11);
    assert.equal(policy.inputs[0].iteration, 5);
    const [change] = result.repartitions;
    assert.equal(change.cutAt, 8);
    assert.equal(result.segments[0].end, 8);
    // the old plan drains: stage 1 completes mb 7 at 17, stage 0 runs B7 until 18
    assert.equal(change.drainedMs, 18);
    // block 2 moves to rank 0: 1000 bytes x (1 + 1 momentum slot) at 1e6 B/s = 2 ms, plus 10 fixed
    assert.equal(change.pauseMs, 12);
    assert.equal(change.resumeMs, 30);
    assert.deepEqual(policy.appliedAt, [[30, 12]]);
    assert.equal(result.segments[1].startMs, 30);
    assert.equal(result.segments[1].first, 8);
    assert.deepEqual(result.segments[1].plan.partition, [3, 1]);
    // stage 0 now takes 3 ms per microbatch: steady completions 3 ms apart
    const rec = result.segments[1].recorder;
    assert.equal(rec.doneMs[rec.cell(1, 29)] - rec.doneMs[rec.cell(1, 28)], 3);
    // the windows that ended while draining were dropped undecided
    assert.ok(result.decisions.every((d) => d.planVersion === 0 ? d.timeMs <= 11 : d.timeMs > 30));
  });

  it('writes rank logs that parse back and whose summary equals summary.json', async () => {
    const interference: RankInterference[] = [{ rank: 1, kind: 'cpu', intensity: 1, startMs: 40, endMs: 60, factor: 2, event: 0 }];
    const result = run(new ScriptedPolicy(to), interference);
    const tmp = tempDir();
    try {
      writeSimulation(result, interference, { dir: tmp.dir, mode: 'dynpipe', rankLogs: true, settings: {} });
      const rows = await readRankLogs(tmp.dir);
      const steps = rows.filter((r) => r.row === 'step');
      assert.equal(steps.length, 2 * 30);
      assert.ok(steps.every((s) => s.plan_version === (s.microbatch < 8 ? 0 : 1)));
      const changes = rows.filter((r) => r.row === 'repartition');
      assert.deepEqual(changes.map((r) => [r.rank, r.time_ms, r.row === 'repartition' && r.pause_ms]), [[1, 17, 13], [0, 18, 12]]);
      const noisy = rows.filter((r) => r.row === 'interference');
      assert.deepEqual(noisy.map((r) => [r.rank, r.time_ms, r.row === 'interference' && r.duration_ms]), [[1, 40, 20]]);
      const written = parseSummary(readFileSync(join(tmp.dir, 'summary.json'), 'utf8'));
      assert.deepEqual(written, summarizeRun(rows, { mode: 'dynpipe', model: 'test', microbatchSize: 8 }));
      assert.equal(written.interference[0].measured_slowdown, 2);
    } finally {
      tmp.cleanup();
    }
  });
});
