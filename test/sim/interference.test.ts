import { strict as assert } from 'node:assert';
import { isDynpipeError } from '../../runtime/errors.js';
import { parseSchedule } from '../../profile/interfere/schedule.js';
import { DEFAULT_SLOWDOWN_MODEL, type RankInterference, Slowdowns, landInterference } from '../../runtime/sim/interference.js';
import { simulate } from '../../runtime/sim/simulate.js';
import { blocksOf, config, doneTimes, straightJobPlan } from './helpers.js';

const cpu = (rank: number, startMs: number, endMs: number, factor: number, event = 0): RankInterference => ({ rank, kind: 'cpu', intensity: factor - 1, startMs, endMs, factor, event });

describe('simulator interference', () => {
  it('maps a trace onto ranks: cores by --cores-per-rank, gpus by --ranks-per-gpu, intensity x to 1 + x (k - 1)', () => {
    const trace = parseSchedule(['t_start,t_end,kind,target,intensity', '1,2,cpu,"2,3",0.5', '0,inf,gpu,1,1', '3,4,net,0,1', '5,6,membw,0,1'].join('\n'), 'trace.csv');
    const landed = landInterference(trace, { ...DEFAULT_SLOWDOWN_MODEL, coresPerRank: 2, ranksPerGpu: 2 }, 4);
    assert.deepEqual(
      landed.map((x) => [x.rank, x.kind, x.startMs, x.endMs, x.factor]),
      [
        [2, 'gpu', 0, Infinity, 2],
        [3, 'gpu', 0, Infinity, 2],
        [1, 'cpu', 1000, 2000, 1.5], // cores 2 and 3 are both rank 1's
        [0, 'net', 3000, 4000, 1],
        [0, 'membw', 5000, 6000, 1.5],
      ],
    );
  });

  it('refuses events that land on no rank of the job, naming the line', () => {
    const beyond = parseSchedule('t_start,t_end,kind,target,intensity\n0,1,cpu,9,1\n', 'trace.csv');
    assert.throws(() => landInterference(beyond, DEFAULT_SLOWDOWN_MODEL, 4), (e) => isDynpipeError(e, 'E_USAGE') && /line 2: targets rank 9, but the job has ranks 0\.\.3/.test(e.message));
    const unpinned = parseSchedule('t_start,t_end,kind,target,intensity\n0,1,cpu,*,1\n', 'trace.csv');
    assert.throws(() => landInterference(unpinned, DEFAULT_SLOWDOWN_MODEL, 4), (e) => isDynpipeError(e, 'E_USAGE') && /line 2: an unpinned cpu load/.test(e.message));
  });

  it('integrates the work over a time-varying factor', () => {
    // rank 0: factor 2 in [10, 20), 3 (= 1 + 1 + 1) in [15, 20) where a second event overlaps
    const s = new Slowdowns([cpu(0, 10, 20, 2), cpu(0, 15, 20, 2, 1)], 2);
    assert.equal(s.finishMs(0, 0, 5), 5);
    assert.equal(s.finishMs(0, 5, 5), 10); // ends as the slowdown starts
    // from 8: 2 ms to 10, then 5 ms at 1/2 (2.5 work), 5 ms at 1/3 (5/3 work), then 15 - 2 - 2.5 - 5/3 at full speed
    assert.equal(s.finishMs(0, 8, 15), 20 + (15 - 2 - 2.5 - 5 / 3));
    assert.equal(s.finishMs(1, 12, 4), 16); // rank 1 is quiet
    assert.equal(s.factorAt(0, 16), 3);
  });

  it('net delays are seeded: the same seed replays the same delays', () => {
    const net: RankInterference = { rank: 0, kind: 'net', intensity: 1, startMs: 0, endMs: 100, factor: 1, event: 0 };
    const draw = (seed: number): number[] => {
      const s = new Slowdowns([net], 1, { ...DEFAULT_SLOWDOWN_MODEL, seed });
      return [0, 10, 50, 150].map((t) => s.sendDelayMs(0, t, 1e6));
    };
    const a = draw(4);
    assert.deepEqual(draw(4), a);
    assert.notDeepEqual(draw(5), a);
    assert.equal(a[3], 0); // after the window
    for (const d of a.slice(0, 3)) assert.ok(d >= 5 + 2 && d < 5 + 2 + 2, `delay ${d} = 1 x (5 + 2 x 1 MB) + U[0, 2)`);
  });

  it('a rank slowed 2x from the start turns a balanced pipeline into one with a 2 (f + b) bottleneck', () => {
    const plan = straightJobPlan({ forwardMs: [1, 1, 1], backwardMs: [2, 2, 2], microbatches: 1 });
    const result = simulate(config(plan, blocksOf([1, 1, 1], [2, 2, 2]), { microbatches: 60, interference: [cpu(1, 0, Infinity, 2)] }));
    const done = doneTimes(result, 2);
    assert.equal((done[48] - done[24]) / 24, 6);
    const rec = result.segments[0].recorder;
    assert.equal(rec.forwardMs[rec.cell(1, 30)], 2);
    assert.equal(rec.backwardMs[rec.cell(1, 30)], 4);
  });
});
