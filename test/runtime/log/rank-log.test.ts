import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { isDynpipeError } from '../../../runtime/errors.js';
import {
  RANK_LOG_COLUMNS,
  parseRankLog,
  parseRow,
  printHeader,
  printRow,
  validateRow,
  type RankLogRow,
} from '../../../runtime/log/rank-log.js';

const STEP: RankLogRow = {
  row: 'step',
  time_ms: 1234.5,
  rank: 1,
  stage: 1,
  plan_version: 0,
  iteration: 7,
  microbatch: 7,
  forward_ms: 20.25,
  backward_ms: 40,
  recv_wait_ms: 3,
  send_wait_ms: 0,
  optimizer_ms: 5,
  samples_per_s: 123.4,
};

const ONE_OF_EACH: RankLogRow[] = [
  STEP,
  { ...STEP, rank: 3, stage: 3, loss: -0.125, detail: 'last stage' },
  { row: 'repartition', time_ms: 1700, rank: 0, stage: 0, plan_version: 1, iteration: 6, pause_ms: 200, old_partition: [3, 4, 4, 5], new_partition: [4, 4, 4, 4] },
  { row: 'eval', time_ms: 2100, rank: 3, stage: 3, plan_version: 1, accuracy: 0.55 },
  { row: 'eval', time_ms: 2200, rank: 3, stage: 3, plan_version: 1, loss: 0.9, detail: 'val, "held-out" split' },
  { row: 'interference', time_ms: 1325, rank: 2, stage: 2, plan_version: 0, duration_ms: 400, level: 'heavy', predicted_slowdown: 2 },
];

/** Asserts `fn` throws E_LOG_PARSE whose message starts with `prefix`. */
function throwsLogParse(fn: () => unknown, prefix: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isDynpipeError(e, 'E_LOG_PARSE'), `expected E_LOG_PARSE, got ${String(e)}`);
    assert.ok(e.message.startsWith(prefix), `message '${e.message}' should start with '${prefix}'`);
    return true;
  });
}

describe('rank log format', () => {
  it('prints one line per row with every column, empty where the kind does not use it', () => {
    assert.equal(printHeader(), RANK_LOG_COLUMNS.join(',') + '\n');
    assert.equal(printRow(STEP), 'step,1234.5,1,1,0,7,7,20.25,40,3,0,5,,123.4,,,,,,,,\n');
    assert.equal(printRow(ONE_OF_EACH[2]), 'repartition,1700,0,0,1,6,,,,,,,,,200,3-4-4-5,4-4-4-4,,,,,\n');
  });

  it('round-trips every row kind through printRow and parseRow, quotes included', () => {
    for (const row of ONE_OF_EACH) assert.deepEqual(parseRow(printRow(row)), row);
  });

  it('round-trips random step and interference rows', () => {
    const ms = fc.double({ min: 0, max: 1e7, noNaN: true, noDefaultInfinity: true });
    const n = fc.nat({ max: 1e6 });
    const step = fc.record({
      row: fc.constant('step' as const),
      time_ms: ms,
      rank: n,
      stage: n,
      plan_version: n,
      iteration: n,
      microbatch: n,
      forward_ms: ms,
      backward_ms: ms,
      recv_wait_ms: ms,
      send_wait_ms: ms,
      optimizer_ms: ms,
      samples_per_s: ms,
    });
    const interference = fc.record({
      row: fc.constant('interference' as const),
      time_ms: ms,
      rank: n,
      stage: n,
      plan_version: n,
      duration_ms: fc.double({ min: 0.001, max: 1e7, noNaN: true, noDefaultInfinity: true }),
      level: fc.constantFrom('light' as const, 'heavy' as const),
      detail: fc.string({ minLength: 1 }).filter((s) => !/[\r\n]/.test(s)),
    });
    fc.assert(
      fc.property(fc.oneof(step, interference), (generated) => {
        const row = { ...generated }; // fc.record builds null-prototype objects
        assert.deepEqual(parseRow(printRow(row)), row);
      }),
      { numRuns: 200 },
    );
  });

  it('parses a whole log and names file:line: column for a bad cell', () => {
    const text = printHeader() + printRow(STEP) + printRow({ ...STEP, iteration: 8 }).replace(',20.25,', ',fast,');
    throwsLogParse(() => parseRankLog(text, 'logs/rank-1.csv', 1), "logs/rank-1.csv:3: column forward_ms: expected a number, got 'fast'");
    assert.deepEqual(parseRankLog(printHeader() + printRow(STEP), 'logs/rank-1.csv', 1), [STEP]);
  });

  it('rejects a cell a row kind does not use, a missing required cell, an unknown kind and bad ranges', () => {
    const step = printRow(STEP);
    const log = (line: string) => printHeader() + line;
    throwsLogParse(() => parseRankLog(log(step.replace(/,,,,,,,,\n$/, ',200,,,,,,,\n')), 'r.csv'), "r.csv:2: column pause_ms must be empty on a 'step' row");
    throwsLogParse(() => parseRankLog(log(step.replace(',1,0,7,7,', ',1,0,,7,')), 'r.csv'), "r.csv:2: column iteration: required on a 'step' row");
    throwsLogParse(() => parseRankLog(log(step.replace(/^step/, 'stepp')), 'r.csv'), "r.csv:2: column row: expected step, repartition, eval or interference, got 'stepp'");
    throwsLogParse(() => parseRankLog(log(step.replace(',40,', ',-40,')), 'r.csv'), 'r.csv:2: column backward_ms: Too small');
    throwsLogParse(() => parseRankLog(log(printRow(ONE_OF_EACH[2]).replace('3-4-4-5', '3-0-4')), 'r.csv'), 'r.csv:2: column old_partition');
    throwsLogParse(() => parseRankLog(log('eval,5,3,3,1' + ','.repeat(17) + '\n'), 'r.csv'), 'r.csv:2: column accuracy: an eval row needs accuracy or loss');
  });

  it('rejects a wrong header, a short row and a row in the wrong rank file', () => {
    throwsLogParse(() => parseRankLog(printHeader().replace('forward_ms', 'fwd_ms') + printRow(STEP), 'r.csv'), "r.csv:1: header column 8 should be 'forward_ms', got 'fwd_ms'");
    throwsLogParse(() => parseRankLog(printHeader() + 'step,1,1\n', 'r.csv'), 'r.csv:2: expected 22 cells, got 3');
    throwsLogParse(() => parseRankLog(printHeader() + printRow(STEP), 'rank-2.csv', 2), 'rank-2.csv:2: column rank: row says rank 1, but the file is rank-2.csv');
    throwsLogParse(() => parseRankLog('', 'r.csv'), 'r.csv:1: empty log');
  });

  it('rejects a multi-line detail when validating a typed row', () => {
    throwsLogParse(() => validateRow({ ...STEP, detail: 'a\nb' }, 'appended'), 'appended: column detail: must be a single line');
  });
});
