/**
 * The dynpipe controller in a real run: rank 1 (stage 1, blocks 1-2 of [1, 2, 1]) computes 8x
 * slower from microbatch 30 on (bench hook). With block costs calibrated from the run, the
 * controller must notice, log its decision every window, and move work off rank 1 by live
 * migration, without losing a microbatch.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { runCli, tempDir } from '../../support/cli.js';
import { DECISION_COLUMNS } from '../../../runtime/cli/decision-log.js';
import { DATA, lossesOf, planJson, rowsOf, writePlan } from './helpers.js';

const STEPS = 120;

describe('controller in a run (multi-process)', function () {
  this.timeout(120_000);
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('moves blocks off a rank slowed 8x, logging every window\'s decision', async () => {
    const plan = writePlan(tmp.dir, 'plan.json', planJson([1, 2, 1], [[0], [1], [2]]));
    const logs = join(tmp.dir, 'logs');
    const decisions = join(tmp.dir, 'decisions.csv');
    const r = await runCli(
      ['launch', '--plan', plan, '--mode', 'dynpipe', '--num-minibatches', String(STEPS), ...DATA, '--window', '10', '--warmup-windows', '1', '--decision-log', decisions, '--log-dir', logs, '--quiet'],
      100_000,
      { env: { DYNPIPE_BENCH_SLOW: '1:8:30mb-' } },
    );
    assert.equal(r.code, 0, r.stderr);
    const rows = parse(readFileSync(decisions, 'utf8'), { columns: true }) as Array<Record<string, string>>;
    assert.deepEqual(Object.keys(rows[0]), [...DECISION_COLUMNS]);
    assert.ok(rows.length >= 6, `one decision per window after calibration, got ${rows.length}`);
    assert.ok(rows.every((d) => d.reason.length > 0 && (d.action === 'none' || d.action === 'repartition')));
    const applied = rows.filter((d) => d.action === 'repartition');
    assert.ok(applied.length >= 1, 'the controller repartitioned');
    const slowed = applied.filter((d) => Number(d.slowdowns.split(' ')[1]) > 1.5 && Number(d.proposed_partition.split('-')[1]) < 2);
    assert.ok(slowed.length >= 1, `a repartition saw rank 1 slowed and gave it fewer blocks: ${JSON.stringify(applied)}`);
    const changes = rowsOf(logs, 1).filter((x) => x.row === 'repartition');
    assert.equal(changes.length, applied.length, 'every rank applies every decided change');
    assert.deepEqual(lossesOf(logs, 2).map(([mb]) => mb).sort((a, b) => a - b), Array.from({ length: STEPS }, (_, k) => k));
  });
});
