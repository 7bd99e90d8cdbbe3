import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIGURES } from '../../../../figures/catalog.js';
import { RankLogWriter } from '../../../../runtime/log/rank-log-files.js';
import type { RankLogRow } from '../../../../runtime/log/rank-log.js';
import { summarizeRun } from '../../../../runtime/log/summarize.js';
import { printSummary } from '../../../../runtime/log/summary.js';
import { MICROBATCH_SIZE, RANKS, dynpipeRows, pipedreamRows } from '../../../fixtures/run-logs.js';
import { pngSize } from '../../../figures/svg.js';

const CLI = fileURLToPath(new URL('../../../../runtime/cli/dynpipe.js', import.meta.url));

function dynpipe(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, FORCE_COLOR: '0' } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function writeRun(dir: string, rows: RankLogRow[], summary: { mode: string } | null): Promise<void> {
  const writers = await Promise.all(Array.from({ length: RANKS }, (_, r) => RankLogWriter.open(dir, r, { flush: 'manual' })));
  for (const row of [...rows].sort((a, b) => a.time_ms - b.time_ms)) writers[row.rank].append(row);
  await Promise.all(writers.map((w) => w.close()));
  if (summary) {
    const s = summarizeRun(rows, { mode: summary.mode, model: 'vgg16', microbatchSize: MICROBATCH_SIZE, targetAccuracy: 0.5 });
    await writeFile(join(dir, 'summary.json'), printSummary(s));
  }
}

describe('dynpipe figures', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'dynpipe-figures-'));
    await writeRun(join(root, 'dyn'), dynpipeRows(), { mode: 'dynpipe' });
    await writeRun(join(root, 'pd'), pipedreamRows(), { mode: 'pipedream' });
    await writeRun(join(root, 'bare'), dynpipeRows(), null);
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('renders every figure as SVG and PNG and lists the files', async () => {
    const out = join(root, 'out');
    const r = await dynpipe(['figures', 'all', '--logs', join(root, 'dyn'), '--logs', join(root, 'pd'), '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    const expected = FIGURES.flatMap((f) => [join(out, `${f.name}.svg`), join(out, `${f.name}.png`)]);
    assert.deepEqual(r.stdout.trim().split('\n'), expected);
    const png = await readFile(join(out, 'throughput.png'));
    const svg = await readFile(join(out, 'throughput.svg'), 'utf8');
    const width = Number(/width="(\d+)"/.exec(svg)![1]);
    assert.equal(pngSize(png).width, 2 * width);
  });

  it('skips, with a reason, a figure the logs cannot make under all', async () => {
    const out = join(root, 'bare-out');
    const r = await dynpipe(['figures', 'all', '--logs', join(root, 'bare'), '--out', out, '--format', 'svg']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, 'dynpipe: skipped figure throughput: run bare has no summary.json\n');
    assert.equal(r.stdout.trim().split('\n').length, FIGURES.length - 1);
  });

  it('fails in one line on an unknown figure, missing logs, or a figure without data', async () => {
    const unknown = await dynpipe(['figures', 'nope', '--logs', join(root, 'dyn'), '--out', join(root, 'x')]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^dynpipe: unknown figure 'nope' \(expected one of time-to-accuracy, .*, or all\)\n$/);
    const empty = await dynpipe(['figures', 'all', '--logs', root, '--out', join(root, 'x')]);
    assert.equal(empty.code, 2);
    assert.equal(empty.stderr, `dynpipe: logs ${root}: no rank-<r>.csv files found\n`);
    const noData = await dynpipe(['figures', 'throughput', '--logs', join(root, 'bare'), '--out', join(root, 'x')]);
    assert.equal(noData.code, 2);
    assert.equal(noData.stderr, 'dynpipe: figure throughput: run bare has no summary.json\n');
  });

  it('lists the figure names in --help', async () => {
    const r = await dynpipe(['figures', '--help']);
    assert.equal(r.code, 0);
    for (const f of FIGURES) assert.match(r.stdout, new RegExp(`^  ${f.name} `, 'm'));
  });
});
