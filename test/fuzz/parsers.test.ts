/**
 * The parser fuzz suite (fast-check): random and mutated inputs thrown at every parser of outside
 * data (targets.ts). Each must return or fail with a clear DynpipeError — no other exception, no
 * input slower than a second, no hang (the parsers run in a worker thread that a watchdog stops if
 * it goes quiet; the input it was parsing is then named). The count of inputs tried is printed at
 * the end (BENCHMARKS.md reports it).
 *
 *   DYNPIPE_FUZZ_RUNS=<n>  inputs per parser (default 200)     DYNPIPE_FUZZ_SEED=<n>  base seed
 */
import { strict as assert } from 'node:assert';
import { Worker } from 'node:worker_threads';
import { FUZZ_TARGETS } from './targets.js';
import type { FuzzReport, FuzzWorkerData } from './fuzz-worker.js';

const RUNS = Number(process.env.DYNPIPE_FUZZ_RUNS ?? 200);
const SEED = Number(process.env.DYNPIPE_FUZZ_SEED ?? 20240501);
/** Silence this long (no input started, no result) means the parser is stuck. */
const QUIET_MS = 20_000;

interface Outcome {
  tried: number;
  failure?: string;
}

describe('parser fuzz (fast-check)', function () {
  this.timeout(600_000);
  const outcomes = new Map<string, Promise<Outcome>>();
  let worker: Worker | undefined;
  let total = 0;

  before(() => {
    const settle = new Map<string, (o: Outcome) => void>();
    for (const t of FUZZ_TARGETS) outcomes.set(t.name, new Promise((resolve) => settle.set(t.name, resolve)));
    const data: FuzzWorkerData = { runs: RUNS, seed: SEED, slowMs: 1000 };
    worker = new Worker(new URL('./fuzz-worker.js', import.meta.url), { workerData: data });
    let last: { target: string; preview: string } | undefined;
    let timer: NodeJS.Timeout;
    const stopAll = (why: string) => {
      for (const [name, resolve] of settle) resolve({ tried: 0, failure: name === last?.target ? `${why} on input ${last.preview}` : `not run: ${why} in an earlier parser` });
      settle.clear();
      void worker?.terminate();
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => stopAll(`no progress for ${QUIET_MS} ms (hang)`), QUIET_MS);
    };
    arm();
    worker.on('message', (r: FuzzReport) => {
      arm();
      if (r.kind === 'input') last = r;
      else {
        settle.get(r.target)?.({ tried: r.tried, failure: r.failure });
        settle.delete(r.target);
        if (settle.size === 0) clearTimeout(timer);
      }
    });
    worker.on('error', (e) => {
      clearTimeout(timer);
      stopAll(`worker failed: ${e.message}`);
    });
  });

  after(async () => {
    await worker?.terminate();
    console.log(`      fuzz: ${total} inputs over ${FUZZ_TARGETS.length} parsers (${RUNS} per parser plus shrinking, seed ${SEED})`);
  });

  for (const t of FUZZ_TARGETS) {
    it(`${t.name}: returns or throws a one-line ${t.codes.join('/')}`, async () => {
      const o = await outcomes.get(t.name)!;
      total += o.tried;
      assert.equal(o.failure, undefined, o.failure);
      assert.ok(o.tried >= RUNS, `only ${o.tried} inputs tried`);
    });
  }
});
