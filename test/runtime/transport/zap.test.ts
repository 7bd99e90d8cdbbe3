/**
 * The process's ZAP handler starts with its first user and stops after its last. Closing a socket
 * frees its endpoint later, in ZeroMQ's own thread: a stop followed at once by a start (one job
 * key released as another is admitted, as consecutive tests and plan changes do) used to fail now
 * and then with "Address already in use".
 */
import { strict as assert } from 'node:assert';
import { admitCurveKey } from '../../../runtime/transport/zap.js';

describe('ZAP handler lifetime', () => {
  it('stops and restarts back to back, and while a release is under way, without losing the endpoint', async () => {
    const failures: string[] = [];
    for (let i = 0; i < 200; i++) {
      try {
        const release = await admitCurveKey(`a${i}`);
        await release();
        const racing = await admitCurveKey(`b${i}`);
        const [, next] = await Promise.all([racing(), admitCurveKey(`c${i}`)]);
        await next();
      } catch (e) {
        failures.push(`cycle ${i}: ${(e as Error).message}`);
      }
    }
    assert.deepEqual(failures.slice(0, 3), []);
  });
});
