/** `dynpipe dashboard` and `dynpipe launch --dashboard`: flags checked up front, one-line errors (the page itself: test/e2e/dashboard.test.ts). */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { runCli, tempDir } from '../../../support/cli.js';

describe('dynpipe dashboard (CLI)', function () {
  this.timeout(60_000);
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('fails in one line on a bad address or missing logs', async () => {
    const badListen = await runCli(['dashboard', '--logs', tmp.dir, '--listen', 'a:b:c']);
    assert.equal(badListen.code, 2);
    assert.equal(badListen.stderr, "dynpipe: --listen 'a:b:c': not a host and port (expected HOST:PORT, e.g. 127.0.0.1:8080 or 0.0.0.0:0)\n");
    const missing = await runCli(['dashboard', '--logs', join(tmp.dir, 'none')]);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, `dynpipe: logs ${join(tmp.dir, 'none')}: no such directory\n`);
  });

  it('launch checks --dashboard before starting any rank', async () => {
    const r = await runCli(['launch', '--num-minibatches', '2', '--dashboard', 'host:99999']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.split('\n').filter((l) => l.startsWith('dynpipe:')).join('\n'), "dynpipe: --dashboard 'host:99999': port 99999 is not in [0, 65535] (expected HOST:PORT, e.g. 127.0.0.1:8080 or 0.0.0.0:0)");
    assert.doesNotMatch(r.stderr, /\[rank \d\]/);
  });
});
