import { strict as assert } from 'node:assert';
import { TOKEN_COOKIE, decideAccess, requestToken } from '../../../runtime/dashboard/access.js';

const TOKEN = '0123456789abcdef0123456789abcdef';

describe('dashboard access', () => {
  it('without a token (loopback bind) serves requests that name a loopback host, or none', () => {
    assert.deepEqual(decideAccess({ url: '/', host: '127.0.0.1:8080' }, undefined), { ok: true });
    assert.deepEqual(decideAccess({ url: '/', host: 'localhost:8080' }, undefined), { ok: true });
    assert.deepEqual(decideAccess({ url: '/', host: '[::1]:8080' }, undefined), { ok: true });
    assert.deepEqual(decideAccess({ url: '/' }, undefined), { ok: true });
    assert.deepEqual(decideAccess({ url: '/events', host: 'attacker.example:8080' }, undefined), { ok: false, why: "host 'attacker.example:8080' is not a loopback name" });
  });

  it('with a token serves only requests carrying it, and turns a URL token into a cookie', () => {
    assert.deepEqual(decideAccess({ url: '/', host: '10.0.0.5:80' }, TOKEN), { ok: false, why: 'no token' });
    assert.deepEqual(decideAccess({ url: `/?token=${TOKEN.slice(1)}x` }, TOKEN), { ok: false, why: 'wrong token' });
    assert.deepEqual(decideAccess({ url: `/?token=${TOKEN.slice(0, 8)}` }, TOKEN), { ok: false, why: 'wrong token' });
    assert.deepEqual(decideAccess({ url: `/?token=${TOKEN}` }, TOKEN), { ok: true, setCookie: `${TOKEN_COOKIE}=${TOKEN}; Path=/; HttpOnly; SameSite=Strict` });
    assert.deepEqual(decideAccess({ url: '/events', authorization: `Bearer ${TOKEN}` }, TOKEN), { ok: true });
    assert.deepEqual(decideAccess({ url: '/js/x.js', cookie: `other=1; ${TOKEN_COOKIE}=${TOKEN}` }, TOKEN), { ok: true });
  });

  it('reads the token from the query first, then the bearer header, then the cookie', () => {
    assert.equal(requestToken({ url: '/?token=q', authorization: 'Bearer b', cookie: `${TOKEN_COOKIE}=c` }), 'q');
    assert.equal(requestToken({ url: '/', authorization: 'bearer b', cookie: `${TOKEN_COOKIE}=c` }), 'b');
    assert.equal(requestToken({ url: '/', cookie: `a=1;${TOKEN_COOKIE}=c` }), 'c');
    assert.equal(requestToken({ url: '/', authorization: 'Basic xyz' }), undefined);
  });
});
