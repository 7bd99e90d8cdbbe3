import assert from 'node:assert/strict';
import { demoSetup } from '../../../../runtime/cli/commands/demo.js';

describe('dynpipe demo: where ranks run and which burst', () => {
  it('pins two ranks per core on 2-3 cores, one per core from 4, none without taskset', () => {
    assert.equal(demoSetup('auto', 2, 0.2, true).cpuMap, '0,0,1,1');
    assert.equal(demoSetup('auto', 3, 0.2, true).cpuMap, '0,0,1,1');
    assert.equal(demoSetup('auto', 16, 0.2, true).cpuMap, '0,1,2,3');
    assert.equal(demoSetup('auto', 16, 0.2, false).cpuMap, undefined);
  });

  it('auto: a real burst unless the load reaches twice the cores', () => {
    assert.equal(demoSetup('auto', 2, 3.99, true).burst, 'cpu');
    const busy = demoSetup('auto', 2, 4, true);
    assert.equal(busy.burst, 'emulated');
    assert.match(busy.why, /^load average 4\.0 on 2 cores: the kernel would move/);
    assert.equal(demoSetup('auto', 16, 31.9, true).burst, 'cpu');
    assert.equal(demoSetup('auto', 16, 32, true).burst, 'emulated');
    assert.equal(demoSetup('auto', 16, 0, false).burst, 'emulated', 'unpinned ranks cannot be targeted by a pinned burst');
  });

  it('an explicit --burst wins over the load', () => {
    assert.equal(demoSetup('cpu', 2, 12, true).burst, 'cpu');
    assert.equal(demoSetup('emulated', 2, 0, true).burst, 'emulated');
  });
});
