import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDecisionLog, parseDecisionLog } from '../../../runtime/cli/decision-log.js';
import type { DecisionRecord } from '../../../runtime/coordinator/policy-runner.js';
import { isDynpipeError } from '../../../runtime/errors.js';
import { tempDir } from '../../support/cli.js';

const RECORD: DecisionRecord = {
  timeMs: 1234.56789, iteration: 40, planVersion: 1, currentPartition: [2, 2], action: 'none', slowdowns: [1, 2.34567], currentMsPerIter: 10.1234, proposedMsPerIter: 8,
  predictedGainMsPerIter: 1.5, remainingIterations: 60, benefitMs: 90, costMs: 50, proposedPartition: [3, 1], reason: 'gain 1.5 ms/iter, "quoted", within noise',
};

describe('decision log', () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('reads back what it wrote, numbers rounded to 3 decimals', () => {
    const path = join(tmp.dir, 'decisions.csv');
    const write = openDecisionLog(path);
    write(RECORD);
    write({ ...RECORD, action: 'repartition', proposedPartition: [], slowdowns: [] });
    const rows = parseDecisionLog(readFileSync(path, 'utf8'), path);
    assert.deepEqual(rows[0], {
      time_ms: 1234.568, iteration: 40, plan_version: 1, action: 'none', current_partition: [2, 2], proposed_partition: [3, 1], slowdowns: [1, 2.346],
      current_ms_per_iter: 10.123, proposed_ms_per_iter: 8, gain_ms_per_iter: 1.5, remaining_iterations: 60, benefit_ms: 90, cost_ms: 50, reason: 'gain 1.5 ms/iter, "quoted", within noise',
    });
    assert.deepEqual([rows[1].action, rows[1].proposed_partition, rows[1].slowdowns], ['repartition', [], []]);
  });

  it('names the file, line and column of a bad cell', () => {
    const path = join(tmp.dir, 'bad.csv');
    const write = openDecisionLog(path);
    write(RECORD);
    writeFileSync(path, readFileSync(path, 'utf8').replace(',none,', ',maybe,'));
    assert.throws(() => parseDecisionLog(readFileSync(path, 'utf8'), path), (e) => isDynpipeError(e, 'E_LOG_PARSE') && e.message === `${path}:2: column action: expected repartition or none, got 'maybe'`);
    assert.throws(() => parseDecisionLog('a,b\n', 'x.csv'), (e) => isDynpipeError(e, 'E_LOG_PARSE') && e.message.startsWith('x.csv:1: not a decision log'));
  });
});
