/**
 * `dynpipe demo --scale small`: the whole demo as a user runs it. It must exit 0, draw a valid PNG,
 * log the burst on ranks 0 and 1, never migrate before the burst started (the defect of the first
 * demo: its controller sometimes moved on noise), have the controller deciding during the burst,
 * and print numbers that the rank logs imply (recomputed here from the rows, not by the demo's own
 * report code).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { readRankLogs } from '../../runtime/log/rank-log-files.js';
import { isInterference, isRepartition, isStep, lastStageCompletions, repartitions } from '../../runtime/log/metrics.js';
import type { RankLogRow } from '../../runtime/log/rank-log.js';
import { runCli, tempDir } from '../support/cli.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The number after `label` in the demo's stdout, or null for 'n/a'. */
function printed(stdout: string, label: string): number | null {
  const m = new RegExp(`^${label}: (n/a|[-\\d.]+)`, 'm').exec(stdout);
  assert.ok(m, `stdout has no '${label}:' line:\n${stdout}`);
  return m[1] === 'n/a' ? null : Number(m[1]);
}

/** Samples/s over completion times, as "(n - 1) * 32 samples over first..last", at 1 decimal. */
function rate(times: number[]): string | null {
  if (times.length < 2) return null;
  return (((times.length - 1) * 32) / ((times[times.length - 1] - times[0]) / 1000)).toFixed(1);
}

describe('dynpipe demo --scale small', function () {
  let out: { dir: string; cleanup(): void };
  let stdout = '';
  let rows: RankLogRow[] = [];

  before(async function () {
    this.timeout(300_000);
    out = tempDir('dynpipe-demo-');
    const r = await runCli(['demo', '--scale', 'small', '--out', out.dir], 280_000);
    assert.equal(r.code, 0, `demo failed:\n${r.stderr.slice(-3000)}`);
    stdout = r.stdout;
    rows = await readRankLogs(join(out.dir, 'logs'));
  });

  after(() => out?.cleanup());

  it('writes iteration-time.png with a valid IHDR, and the svg', () => {
    const png = readFileSync(join(out.dir, 'iteration-time.png'));
    assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE);
    assert.equal(png.readUInt32BE(8), 13);
    assert.equal(png.subarray(12, 16).toString('latin1'), 'IHDR');
    assert.ok(png.readUInt32BE(16) > 100 && png.readUInt32BE(20) > 100, 'width and height of a real figure');
    assert.match(readFileSync(join(out.dir, 'iteration-time.svg'), 'utf8'), /<svg/);
  });

  it('logs a heavy burst on ranks 0 and 1 that starts after the first microbatches', () => {
    const windows = rows.filter(isInterference);
    assert.deepEqual([...new Set(windows.map((w) => w.rank))].sort(), [0, 1]);
    assert.ok(windows.every((w) => w.level === 'heavy'));
    const firstDone = lastStageCompletions(rows)[0];
    assert.ok(Math.min(...windows.map((w) => w.time_ms)) > firstDone, 'the burst starts part-way');
  });

  it('never migrates before the burst starts, and says when each happened', () => {
    const start = Math.min(...rows.filter(isInterference).map((w) => w.time_ms));
    const moves = repartitions(rows);
    for (const m of moves) assert.ok(m.time_ms > start, `repartition to v${m.plan_version} at ${m.time_ms} ms, before the burst at ${start} ms`);
    const burst = /^burst: interference on ranks 0, 1 from ([\d.]+) s to ([\d.]+) s$/m.exec(stdout);
    assert.ok(burst, `no burst line in:\n${stdout}`);
    assert.equal(burst[1], (start / 1000).toFixed(1));
    if (moves.length > 0) assert.equal(printed(stdout, 'first migration'), Number(((moves[0].time_ms - start) / 1000).toFixed(1)));
    else assert.doesNotMatch(stdout, /^first migration/m);
  });

  it('the controller decided during the burst (two windows at least), each decision with its reason', () => {
    const windows = rows.filter(isInterference);
    const start = Math.min(...windows.map((w) => w.time_ms));
    const end = Math.max(...windows.map((w) => w.time_ms + w.duration_ms));
    const decisions = parse(readFileSync(join(out.dir, 'logs', 'decisions.csv'), 'utf8'), { columns: true }) as Array<Record<string, string>>;
    const during = decisions.filter((d) => Number(d.time_ms) > start && Number(d.time_ms) <= end);
    assert.ok(during.length >= 2, `${during.length} decisions during the burst`);
    assert.ok(during.every((d) => d.reason.length > 0 && (d.action === 'none' || d.action === 'repartition')));
    assert.equal(decisions.filter((d) => d.action === 'repartition').length, rows.filter(isRepartition).reduce((s, r) => s.add(r.plan_version), new Set<number>()).size);
  });

  it('prints throughput, pauses and final loss that the logs imply', () => {
    const windows = rows.filter(isInterference);
    const start = Math.min(...windows.map((w) => w.time_ms));
    const end = Math.max(...windows.map((w) => w.time_ms + w.duration_ms));
    const done = lastStageCompletions(rows);
    const fmt = (x: number | null): string | null => (x === null ? null : x.toFixed(1));
    assert.equal(fmt(printed(stdout, 'throughput before')), rate(done.filter((t) => t <= start)));
    assert.equal(fmt(printed(stdout, 'throughput during')), rate(done.filter((t) => t > start && t <= end)));
    assert.equal(fmt(printed(stdout, 'throughput after')), rate(done.filter((t) => t > end)));
    const last = rows.filter(isStep).filter((s) => s.loss !== undefined).sort((a, b) => b.microbatch - a.microbatch)[0];
    assert.equal(printed(stdout, 'final loss')?.toFixed(4), last.loss!.toFixed(4));
    const pauses = [...stdout.matchAll(/^repartition to v(\d+) .*pause ([\d.]+) ms$/gm)].map((m) => [Number(m[1]), m[2]]);
    assert.deepEqual(pauses, repartitions(rows).map((p) => [p.plan_version, p.pause_ms.toFixed(1)]));
  });
});
