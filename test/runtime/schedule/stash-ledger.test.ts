import { strict as assert } from 'node:assert';
import { isDynpipeError } from '../../../runtime/errors.js';
import type { Instruction } from '../../../runtime/schedule/instructions.js';
import { StashLedger, replayStash } from '../../../runtime/schedule/stash-ledger.js';

function play(ledger: StashLedger, is: Instruction[]): StashLedger {
  for (const i of is) ledger.apply(i);
  return ledger;
}

function breaks(is: Instruction[], message: string): void {
  assert.throws(() => play(new StashLedger(2, 5), is), (e: unknown) => isDynpipeError(e, 'E_SCHEDULE') && e.message === message);
}

describe('stash ledger', () => {
  it('tracks the versions in-flight microbatches reference', () => {
    const ledger = play(new StashLedger(0, 5), [
      { kind: 'forward', mb: 0, version: 5 },
      { kind: 'forward', mb: 1, version: 5 },
      { kind: 'backward', mb: 0, version: 5 },
      { kind: 'step', version: 5 },
      { kind: 'forward', mb: 2, version: 6 },
      { kind: 'backward', mb: 1, version: 5 },
      { kind: 'allreduce-grads', version: 6 },
      { kind: 'step', version: 6 },
    ]);
    assert.equal(ledger.live, 7);
    assert.equal(ledger.inFlight, 1);
    assert.deepEqual(ledger.versions(), [6, 7]); // mb 2 still pins v6
    assert.equal(ledger.maxInFlight, 2);
    assert.equal(ledger.maxVersions, 2);
    ledger.apply({ kind: 'backward', mb: 2, version: 6 });
    assert.deepEqual(ledger.versions(), [7]);
  });

  it('rejects a backward whose version differs from its forward\'s', () => {
    breaks(
      [{ kind: 'forward', mb: 4, version: 5 }, { kind: 'step', version: 5 }, { kind: 'backward', mb: 4, version: 6 }],
      'stage 2: backward of mb 4 uses v6, but its forward used v5',
    );
  });

  it('rejects a forward on stale weights, a repeated forward, a stray backward and a wrong step', () => {
    breaks([{ kind: 'forward', mb: 0, version: 4 }], 'stage 2: forward of mb 0 names v4, but the live weights are v5');
    breaks([{ kind: 'forward', mb: 0, version: 5 }, { kind: 'forward', mb: 0, version: 5 }], 'stage 2: forward of mb 0 while it is already in flight');
    breaks([{ kind: 'backward', mb: 3, version: 5 }], 'stage 2: backward of mb 3, which is not in flight');
    breaks([{ kind: 'step', version: 6 }], 'stage 2: step names v6, but the live weights are v5');
    breaks([{ kind: 'allreduce-grads', version: 4 }], 'stage 2: allreduce-grads names v4, but the live weights are v5');
  });

  it('replays slots, ignoring transport and loads', () => {
    const ledger = replayStash(1, 0, [
      [{ kind: 'recv-act', mb: 0, fromStage: 0 }, { kind: 'forward', mb: 0, version: 0 }, { kind: 'send-act', mb: 0, toStage: 2 }],
      [{ kind: 'recv-grad', mb: 0, fromStage: 2 }, { kind: 'backward', mb: 0, version: 0 }, { kind: 'send-grad', mb: 0, toStage: 0 }, { kind: 'step', version: 0 }],
    ]);
    assert.deepEqual([ledger.live, ledger.inFlight, ledger.maxInFlight, ledger.maxVersions], [1, 0, 1, 1]);
  });
});
