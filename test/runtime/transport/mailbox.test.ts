import { strict as assert } from 'node:assert';
import { Mailbox, matchKeyString } from '../../../runtime/transport/mailbox.js';
import { dynpipeError } from './helpers.js';

const key = (mb: number, fromRank = 0, tag = 0) => matchKeyString({ kind: 'act', mb, fromRank, tag });

describe('transport mailbox', () => {
  it('keeps early arrivals and hands each to the take for its key, in any order', () => {
    const box = new Mailbox<string>(8, 16);
    assert.equal(box.offer(key(2), 'two'), 'buffered');
    assert.equal(box.offer(key(0), 'zero'), 'buffered');
    assert.equal(box.offer(key(1, 5), 'one-from-5'), 'buffered');
    assert.equal(box.take(key(1)), undefined);
    assert.equal(box.take(key(1, 5)), 'one-from-5');
    assert.equal(box.take(key(0)), 'zero');
    assert.equal(box.take(key(2)), 'two');
    assert.equal(box.size, 0);
  });

  it('hands a message straight to its waiter, and a withdrawn waiter gets nothing', () => {
    const box = new Mailbox<string>(8, 16);
    const got: string[] = [];
    box.wait(key(3), (m) => got.push(m));
    const withdraw = box.wait(key(4), (m) => got.push(m));
    withdraw();
    assert.equal(box.offer(key(3), 'three'), 'handed');
    assert.equal(box.offer(key(4), 'four'), 'buffered');
    assert.deepEqual(got, ['three']);
    box.wait(key(5), () => {});
    assert.throws(() => box.wait(key(5), () => {}), dynpipeError('E_MESSAGE', /act\/5\/0\/0 is already waiting/));
  });

  it('refuses a duplicate key while buffered and within the delivered window, and forgets on request', () => {
    const box = new Mailbox<string>(8, 2);
    box.offer(key(0), 'a');
    assert.equal(box.offer(key(0), 'again'), 'duplicate');
    box.take(key(0));
    assert.equal(box.offer(key(0), 'replay'), 'duplicate');
    box.offer(key(1), 'b');
    box.take(key(1));
    box.offer(key(2), 'c');
    box.take(key(2)); // window of 2: key 0 is now forgotten, keys 1 and 2 remembered
    assert.equal(box.offer(key(0), 'old enough'), 'buffered');
    assert.equal(box.offer(key(2), 'replay'), 'duplicate');
    box.forgetDelivered();
    assert.equal(box.offer(key(2), 'new plan'), 'buffered');
  });

  it('reports full at capacity and signals space after a take or a drop', async () => {
    const box = new Mailbox<number>(2, 0);
    box.offer(key(0), 0);
    box.offer(key(1), 1);
    assert.ok(box.isFull);
    let freed = false;
    const space = box.whenNotFull().then(() => (freed = true));
    await Promise.resolve();
    assert.equal(freed, false);
    box.take(key(0));
    await space;
    assert.equal(freed, true);
    box.offer(key(2), 2);
    assert.deepEqual(box.drop((m) => m >= 1), [1, 2]);
    assert.equal(box.size, 0);
  });

  it('rejects a capacity below one', () => {
    assert.throws(() => new Mailbox(0, 0), dynpipeError('E_USAGE', /capacity must be an integer >= 1, got 0/));
  });
});
