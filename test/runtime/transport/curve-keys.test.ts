/** Job key pairs: generated pairs check out; a mismatched or malformed pair, or a lax key file, is refused. */
import { strict as assert } from 'node:assert';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkCurveKeys, curvePublicOf, generateCurveKeys } from '../../../runtime/transport/curve-keys.js';
import { readKeyDir, writeKeyDir } from '../../../runtime/transport/key-files.js';
import { tempDir } from '../../support/cli.js';
import { dynpipeError } from './helpers.js';

describe('CURVE keys', () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('derives the public key libzmq generated from the secret key', () => {
    for (let i = 0; i < 5; i++) {
      const k = generateCurveKeys();
      assert.equal(curvePublicOf(k.secretKey), k.publicKey);
      assert.deepEqual(checkCurveKeys(k, 'd'), k);
    }
  });

  it('refuses a public key of another pair and malformed keys', () => {
    const a = generateCurveKeys();
    const b = generateCurveKeys();
    assert.throws(() => checkCurveKeys({ publicKey: b.publicKey, secretKey: a.secretKey }, 'd'), dynpipeError('E_USAGE', /^d: the public key does not belong to the secret key$/));
    assert.throws(() => checkCurveKeys({ publicKey: 'short', secretKey: a.secretKey }, 'd'), dynpipeError('E_USAGE', /^d: public key must be 40 characters of Z85$/));
    assert.throws(() => checkCurveKeys({ publicKey: a.publicKey, secretKey: ' '.repeat(40) }, 'd'), dynpipeError('E_USAGE', /^d: secret key: character " " is not Z85$/));
  });

  it('writes a key directory (0700, secret 0600) that reads back, and will not overwrite it by accident', async () => {
    const dir = join(tmp.dir, 'keys');
    const k = generateCurveKeys();
    await writeKeyDir(dir, k);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(join(dir, 'curve.secret')).mode & 0o777, 0o600);
    assert.equal(readFileSync(join(dir, 'curve.public'), 'utf8'), k.publicKey + '\n');
    assert.deepEqual(await readKeyDir(dir), k);
    await assert.rejects(writeKeyDir(dir, generateCurveKeys()), dynpipeError('E_USAGE', /already holds CURVE keys \(pass --force to replace them\)/));
    const k2 = generateCurveKeys();
    await writeKeyDir(dir, k2, true);
    assert.deepEqual(await readKeyDir(dir), k2);
  });

  it('refuses a secret others may read, a missing file and a mismatched pair', async () => {
    const dir = join(tmp.dir, 'lax');
    await writeKeyDir(dir, generateCurveKeys());
    chmodSync(join(dir, 'curve.secret'), 0o644);
    await assert.rejects(readKeyDir(dir), dynpipeError('E_USAGE', /curve\.secret is readable by others \(mode 0644\); run chmod 600 on it$/));
    chmodSync(join(dir, 'curve.secret'), 0o600);
    writeFileSync(join(dir, 'curve.public'), generateCurveKeys().publicKey);
    await assert.rejects(readKeyDir(dir), dynpipeError('E_USAGE', /the public key does not belong to the secret key/));
    await assert.rejects(readKeyDir(join(tmp.dir, 'none')), dynpipeError('E_USAGE', /cannot read CURVE key .*curve\.secret: no such file \(run dynpipe keys generate --out DIR\)/));
  });
});
