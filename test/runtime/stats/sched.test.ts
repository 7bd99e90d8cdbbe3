import { strict as assert } from 'node:assert';
import { growthShare, parsePressureTotalUs, parseSchedstat } from '../../../runtime/stats/sched.js';
import { isDynpipeError } from '../../../runtime/errors.js';

describe('scheduler counters', () => {
  it('reads a thread schedstat line', () => {
    assert.deepEqual(parseSchedstat('123456789 4620852 17\n'), { runNs: 123456789, waitNs: 4620852 });
    assert.throws(() => parseSchedstat('garbage', '/proc/self/task/7/schedstat'), (e: unknown) => isDynpipeError(e, 'E_IO') && e.message === "/proc/self/task/7/schedstat: expected '<run ns> <wait ns> <slices>', got 'garbage'");
  });

  it('reads the cumulative stall time of a PSI file', () => {
    const psi = 'some avg10=99.30 avg60=99.22 avg300=96.94 total=3762606681\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=12\n';
    assert.equal(parsePressureTotalUs(psi, 'some'), 3762606681);
    assert.equal(parsePressureTotalUs(psi, 'full'), 12);
    assert.throws(() => parsePressureTotalUs('some avg10=1.00\n', 'some', 'psi'), (e: unknown) => isDynpipeError(e, 'E_IO') && e.message === "psi: no 'some ... total=<us>' line");
  });

  it('turns counter growth into a share of the window, clamped to [0, 1]', () => {
    assert.equal(growthShare(1000, 1250, 1000), 0.25);
    assert.equal(growthShare(1000, 900, 1000), 0);
    assert.equal(growthShare(0, 5000, 1000), 1);
    assert.equal(growthShare(0, 5, 0), 0);
  });
});
