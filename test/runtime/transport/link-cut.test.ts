/** The network-cut test hook: sends stall from the cut on; the env spec names a rank and a delay. */
import { strict as assert } from 'node:assert';
import { cutAt } from '../../../runtime/transport/link-cut.js';
import { networkCutAfterMs } from '../../../runtime/cli/worker-hooks.js';
import { dynpipeError } from './helpers.js';

describe('network cut hook', () => {
  it('delays nothing before the cut and a day after it', () => {
    let now = 100;
    const delay = cutAt(150, () => now);
    assert.equal(delay(1, 10), 0);
    now = 150;
    assert.equal(delay(1, 10), 24 * 3600 * 1000);
  });

  it('reads <rank>:<ms> from the environment for that rank only', () => {
    assert.equal(networkCutAfterMs({ DYNPIPE_TEST_NETWORK_CUT: '1:2000' }, 1), 2000);
    assert.equal(networkCutAfterMs({ DYNPIPE_TEST_NETWORK_CUT: '1:2000' }, 0), undefined);
    assert.equal(networkCutAfterMs({}, 1), undefined);
    assert.throws(() => networkCutAfterMs({ DYNPIPE_TEST_NETWORK_CUT: 'one' }, 1), dynpipeError('E_USAGE', /DYNPIPE_TEST_NETWORK_CUT: 'one' is not <rank>:<ms>/));
  });
});
