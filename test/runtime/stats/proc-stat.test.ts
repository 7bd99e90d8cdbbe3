import { strict as assert } from 'node:assert';
import { busyShare, parseCpuList, parseProcStat } from '../../../runtime/stats/proc-stat.js';
import { isDynpipeError } from '../../../runtime/errors.js';

// Fields: user nice system idle iowait irq softirq steal guest guest_nice
const before = `cpu  100 0 50 800 50 0 0 0 0 0
cpu0 60 0 30 400 10 0 0 0 0 0
cpu1 40 0 20 400 40 0 0 0 0 0
intr 12345 0 0
ctxt 999
procs_running 3
procs_blocked 0
`;
const after = `cpu  250 0 100 900 50 0 0 0 0 0
cpu0 160 0 80 410 10 0 0 0 0 0
cpu1 90 0 20 490 40 0 0 0 0 0
procs_running 5
`;

describe('/proc/stat', () => {
  it('parses total and per-core ticks and runnable tasks', () => {
    const s = parseProcStat(before);
    assert.deepEqual(s.total, { busy: 150, idle: 850 });
    assert.deepEqual(s.cores.get(1), { busy: 60, idle: 440 });
    assert.equal(s.procsRunning, 3);
  });

  it('computes busy shares between samples, per core set and overall', () => {
    const [a, b] = [parseProcStat(before), parseProcStat(after)];
    assert.equal(busyShare(a, b), 200 / 300); // busy +200, idle +100
    assert.equal(busyShare(a, b, [0]), 150 / 160);
    assert.equal(busyShare(a, b, [1]), 50 / 140);
    assert.equal(busyShare(a, a, [0, 1]), 0);
    assert.throws(() => busyShare(a, b, [7]), (e: unknown) => isDynpipeError(e, 'E_USAGE') && /core 7/.test(e.message));
  });

  it('reads kernel CPU lists and rejects a file without CPU lines', () => {
    assert.deepEqual(parseCpuList('0-2,5\n'), [0, 1, 2, 5]);
    assert.throws(() => parseProcStat('intr 1\n'), (e: unknown) => isDynpipeError(e, 'E_IO'));
  });
});
