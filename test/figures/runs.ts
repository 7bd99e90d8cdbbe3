/** The fixture runs of test/fixtures/run-logs.ts as figure inputs, with summaries built from their rows. */
import type { Run } from '../../figures/data.js';
import { validateRow, type RankLogRow } from '../../runtime/log/rank-log.js';
import { summarizeRun } from '../../runtime/log/summarize.js';
import { MICROBATCH_SIZE, dynpipeRows, pipedreamRows } from '../fixtures/run-logs.js';

function run(name: string, rows: RankLogRow[], mode: string): Run {
  const valid = rows.map((r) => validateRow(r)).sort((a, b) => a.time_ms - b.time_ms);
  return { name, rows: valid, summary: summarizeRun(valid, { mode, model: 'vgg16', microbatchSize: MICROBATCH_SIZE, targetAccuracy: 0.5 }) };
}

export function fixtureRuns(): Run[] {
  return [run('run-a', dynpipeRows(), 'dynpipe'), run('run-b', pipedreamRows(), 'pipedream')];
}
