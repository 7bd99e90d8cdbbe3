import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { parseRow, printRow, validateRow, type RankLogRow, type StepRow } from '../../runtime/log/rank-log.js';
import { ns } from '../../runtime/sim/log-rows.js';
import { printRows, stepLine } from '../../runtime/sim/log-text.js';

const time = fc.double({ min: 0, max: 1e7, noNaN: true }).map(ns);
const count = fc.integer({ min: 0, max: 100_000 });

const stepRow: fc.Arbitrary<StepRow> = fc
  .record({
    time_ms: time, rank: count, stage: count, plan_version: count, iteration: count, microbatch: count, forward_ms: time, backward_ms: time,
    recv_wait_ms: time, send_wait_ms: time, optimizer_ms: time, samples_per_s: time, loss: fc.option(fc.double({ min: -10, max: 10, noNaN: true }).map(ns), { nil: undefined }),
  })
  .map(({ loss, ...r }) => ({ row: 'step' as const, ...r, ...(loss === undefined ? {} : { loss }) }));

describe('simulator log text', () => {
  it('prints a step row byte for byte as printRow does, and it parses back', () => {
    fc.assert(
      fc.property(stepRow, (row) => {
        const line = stepLine(row);
        assert.equal(line, printRow(validateRow(row)));
        assert.deepEqual(parseRow(line), validateRow(row));
      }),
      { numRuns: 300, seed: 3 },
    );
  });

  it('prints other rows and step rows with detail through printRow', () => {
    const rows: RankLogRow[] = [
      { row: 'repartition', time_ms: 5, rank: 0, stage: 1, plan_version: 1, iteration: 8, pause_ms: 2.5, old_partition: [2, 2], new_partition: [3, 1], detail: 'a, "quoted" detail' },
      { row: 'step', time_ms: 6, rank: 0, stage: 1, plan_version: 1, iteration: 8, microbatch: 8, forward_ms: 1, backward_ms: 2, recv_wait_ms: 0, send_wait_ms: 0, optimizer_ms: 0, samples_per_s: 3, detail: 'x,y' },
    ];
    assert.equal(printRows(rows), rows.map((r) => printRow(validateRow(r))).join(''));
  });

  it('rounds to the nanosecond without negative zero', () => {
    assert.equal(ns(1.23456789), 1.234568);
    assert.ok(Object.is(ns(-1e-9), 0));
  });
});
