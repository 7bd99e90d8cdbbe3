import { strict as assert } from 'node:assert';
import { SendChain } from '../../../runtime/transport/send-chain.js';

/** A job that records when it starts and finishes only when released. */
function gate(log: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  const job = async (): Promise<void> => {
    log.push(`start ${name}`);
    await done;
    log.push(`end ${name}`);
  };
  return { job, release };
}

describe('transport send chain', () => {
  it('runs jobs one at a time in call order, and reports idle only when all settled', async () => {
    const chain = new SendChain();
    const log: string[] = [];
    const a = gate(log, 'a');
    const b = gate(log, 'b');
    const pa = chain.run(a.job);
    const pb = chain.run(b.job);
    const pc = chain.run(async () => {
      throw new Error('c failed');
    });
    assert.equal(chain.idle, false);
    await Promise.resolve();
    assert.deepEqual(log, ['start a']);
    b.release();
    a.release();
    await pa;
    await pb;
    await assert.rejects(pc, /c failed/);
    assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b']);
    assert.equal(chain.idle, true);
  });

  it('withdraws a job still queued at its deadline, so it never runs, and keeps later jobs in order', async () => {
    const chain = new SendChain();
    const log: string[] = [];
    const blocker = gate(log, 'blocker');
    const first = chain.run(blocker.job);
    const late = chain.runWithin(async () => void log.push('late ran'), 50, () => new Error('late timed out'));
    await assert.rejects(late, /late timed out/);
    const next = chain.runWithin(async () => void log.push('next ran'), 10_000, () => new Error('next timed out'));
    blocker.release();
    await first;
    await next;
    assert.deepEqual(log, ['start blocker', 'end blocker', 'next ran']);
  });

  it('leaves a started job to finish even past the deadline', async () => {
    const chain = new SendChain();
    const log: string[] = [];
    const slow = gate(log, 'slow');
    const blocker = gate(log, 'blocker');
    const first = chain.run(blocker.job);
    const started = chain.runWithin(slow.job, 100, () => new Error('timed out'));
    blocker.release(); // `slow` starts well within its 100 ms, then outlives them
    await first;
    await new Promise((r) => setTimeout(r, 150));
    slow.release();
    await started;
    assert.deepEqual(log, ['start blocker', 'end blocker', 'start slow', 'end slow']);
  });
});
