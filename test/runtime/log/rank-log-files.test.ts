import { strict as assert } from 'node:assert';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDynpipeError, type ErrorCode } from '../../../runtime/errors.js';
import { RankLogWriter, readRankLogs } from '../../../runtime/log/rank-log-files.js';
import { printHeader, printRow, type StepRow } from '../../../runtime/log/rank-log.js';

function step(rank: number, i: number, time_ms: number): StepRow {
  return {
    row: 'step',
    time_ms,
    rank,
    stage: rank,
    plan_version: 0,
    iteration: i,
    microbatch: i,
    forward_ms: 1 + i,
    backward_ms: 2,
    recv_wait_ms: 0,
    send_wait_ms: 0,
    optimizer_ms: 0.5,
    samples_per_s: 10,
  };
}

async function rejectsWith(p: Promise<unknown>, code: ErrorCode, prefix: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isDynpipeError(e, code), `expected ${code}, got ${String(e)}`);
    assert.ok(e.message.startsWith(prefix), `message '${e.message}' should start with '${prefix}'`);
    return true;
  });
}

describe('rank log files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dynpipe-ranklog-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps every row appended before close in manual mode, creating the directory', async () => {
    const logs = join(dir, 'nested', 'run');
    const w = await RankLogWriter.open(logs, 0, { flush: 'manual' });
    const rows = Array.from({ length: 30 }, (_, i) => step(0, i, 100 * i));
    for (const r of rows) w.append(r);
    await w.close();
    assert.deepEqual(await readRankLogs(logs), rows);
  });

  it('has each row in the file once flush resolves, with the writer still open (row mode)', async () => {
    const w = await RankLogWriter.open(dir, 2);
    w.append(step(2, 0, 5));
    w.append(step(2, 1, 6));
    await w.flush();
    assert.equal(await readFile(join(dir, 'rank-2.csv'), 'utf8'), printHeader() + printRow(step(2, 0, 5)) + printRow(step(2, 1, 6)));
    await w.close();
    assert.throws(() => w.append(step(2, 2, 7)), (e: unknown) => isDynpipeError(e, 'E_IO') && /append after close/.test(e.message));
  });

  it('refuses a row of another rank and an invalid row', async () => {
    const w = await RankLogWriter.open(dir, 1);
    assert.throws(() => w.append(step(0, 0, 1)), (e: unknown) => isDynpipeError(e, 'E_USAGE'));
    assert.throws(() => w.append({ ...step(1, 0, 1), forward_ms: -1 }), (e: unknown) => isDynpipeError(e, 'E_LOG_PARSE') && /column forward_ms/.test(e.message));
    await w.close();
  });

  it('merges ranks in job-clock order, lower rank first on ties', async () => {
    const writers = await Promise.all([0, 1].map((r) => RankLogWriter.open(dir, r)));
    writers[0].append(step(0, 0, 10));
    writers[0].append(step(0, 1, 30));
    writers[1].append(step(1, 0, 20));
    writers[1].append(step(1, 1, 30));
    await Promise.all(writers.map((w) => w.close()));
    const got = (await readRankLogs(dir)).map((r) => [r.rank, r.time_ms]);
    assert.deepEqual(got, [
      [0, 10],
      [1, 20],
      [0, 30],
      [1, 30],
    ]);
  });

  it('reports a missing directory, no logs, a missing rank and a bad row by file:line', async () => {
    await rejectsWith(readRankLogs(join(dir, 'absent')), 'E_IO', `logs ${join(dir, 'absent')}: no such directory`);
    await rejectsWith(readRankLogs(dir), 'E_IO', `logs ${dir}: no rank-<r>.csv files found`);
    await writeFile(join(dir, 'rank-0.csv'), printHeader() + printRow(step(0, 0, 1)));
    await writeFile(join(dir, 'rank-2.csv'), printHeader() + printRow(step(2, 0, 1)));
    await rejectsWith(readRankLogs(dir), 'E_IO', `logs ${dir}: rank-1.csv is missing (found ranks 0, 2)`);
    await writeFile(join(dir, 'rank-1.csv'), printHeader() + printRow(step(1, 0, 1)) + printRow(step(1, 1, 2)).replace(/^step,2,/, 'step,soon,'));
    await rejectsWith(readRankLogs(dir), 'E_LOG_PARSE', `${join(dir, 'rank-1.csv')}:3: column time_ms: expected a number, got 'soon'`);
  });
});
