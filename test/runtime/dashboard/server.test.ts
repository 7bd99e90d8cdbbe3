import { strict as assert } from 'node:assert';
import { get, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { Assets } from '../../../runtime/dashboard/assets.js';
import { type DashboardEvent, sseFrame } from '../../../runtime/dashboard/events.js';
import { DashboardFeed } from '../../../runtime/dashboard/feed.js';
import { DashboardServer, MAX_BACKLOG_BYTES } from '../../../runtime/dashboard/server.js';
import { isDynpipeError } from '../../../runtime/errors.js';
import { httpGet, httpRequest } from '../../support/http.js';
import { SseFrameReader } from '../../../runtime/dashboard/sse-frames.js';

const TOKEN = 'feedc0de'.repeat(4);
const RUN: DashboardEvent = { kind: 'run', run: { name: 'r', model: 'mlp', mode: 'dynpipe', microbatchSize: 8, worldSize: 1, firstMicrobatch: 0, numMinibatches: 10, source: 'live' } };

/** Opens /events and collects the events it delivers until `until` holds (or 5 s pass). */
function readEvents(url: string, until: (events: DashboardEvent[]) => boolean, onOpen?: () => void): Promise<DashboardEvent[]> {
  return new Promise((resolve, reject) => {
    const events: DashboardEvent[] = [];
    const req = get(url, (res: IncomingMessage) => {
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
      onOpen?.();
      const frames = new SseFrameReader();
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        events.push(...(frames.push(d) as DashboardEvent[]));
        if (until(events)) {
          req.destroy();
          resolve(events);
        }
      });
    });
    req.on('error', (e) => (e.message === 'socket hang up' ? undefined : reject(e)));
    setTimeout(() => reject(new Error(`events so far: ${JSON.stringify(events)}`)), 5000).unref();
  });
}

describe('dashboard server', () => {
  const said: string[] = [];
  const servers: DashboardServer[] = [];
  async function start(o: { host?: string; token?: string; beforeRequest?: (path: string) => void } = {}): Promise<{ server: DashboardServer; feed: DashboardFeed; base: string }> {
    const feed = new DashboardFeed({ flushMs: 10, maxRows: 100, maxDecisions: 10, say: (l) => said.push(l) });
    const server = await DashboardServer.start({ listen: { host: o.host ?? '127.0.0.1', port: 0 }, token: o.token, feed, assets: new Assets(), say: (l) => said.push(l), beforeRequest: o.beforeRequest });
    servers.push(server);
    return { server, feed, base: `http://127.0.0.1:${server.port}` };
  }
  beforeEach(() => said.splice(0));
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('serves the page, the vendored vega builds and the page modules, nothing else, read-only', async () => {
    const { server, base } = await start();
    assert.equal(server.url('ignored'), `${base}/`);
    const page = await httpGet(`${base}/`);
    assert.equal(page.status, 200);
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(String(page.headers['content-security-policy']), /^default-src 'self'; /);
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    for (const src of ['/vendor/vega.min.js', '/vendor/vega-lite.min.js', '/vendor/vega-embed.min.js', '/js/runtime/dashboard/page/main.js']) assert.ok(page.body.includes(`src="${src}"`), src);
    const vega = await httpGet(`${base}/vendor/vega.min.js`);
    assert.equal(vega.status, 200);
    assert.equal(vega.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.match(vega.body, /vega/);
    assert.equal((await httpGet(`${base}/vendor/vega-embed.min.js`)).status, 200);
    const spec = await httpGet(`${base}/js/figures/specs/iteration-time.js`);
    assert.equal(spec.status, 200);
    assert.match(spec.body, /export function iterationTimeSpec/);
    for (const path of ['/js/runtime/cli/dynpipe.js', '/js/figures/../runtime/cli/dynpipe.js', '/js/%2e%2e/package.json', '/vendor/nope.js', '/etc/passwd', '/js/figures/data.ts']) {
      assert.equal((await httpGet(`${base}${path}`)).status, 404, path);
    }
    assert.equal((await httpRequest(`${base}/`, { method: 'POST' })).status, 405);
    assert.equal((await httpGet(`${base}/`, { Host: 'attacker.example' })).status, 403, 'DNS rebinding: a foreign Host is refused');
  });

  it('streams the feed: everything so far, then each new batch', async () => {
    const { feed, base } = await start();
    feed.publish(RUN);
    const events = await readEvents(`${base}/events`, (es) => es.some((e) => e.kind === 'rows'), () => {
      setTimeout(() => feed.publish({ kind: 'rows', rows: [{ row: 'eval', time_ms: 5, rank: 0, stage: 0, plan_version: 0, accuracy: 0.5 }] }), 50);
    });
    assert.deepEqual(events.map((e) => e.kind), ['run', 'rows']);
  });

  it('drops a page that stops reading once 16 MiB wait for it, beyond the snapshot it got', async () => {
    const { feed, server } = await start();
    const step = (mb: number) => ({ row: 'step' as const, time_ms: mb, rank: 0, stage: 0, plan_version: 0, iteration: mb, microbatch: mb, forward_ms: 1, backward_ms: 1, recv_wait_ms: 0, send_wait_ms: 0, optimizer_ms: 0, samples_per_s: 1 });
    feed.publish({ kind: 'rows', rows: Array.from({ length: 30_000 }, (_, i) => step(i)) }); // a snapshot of ~10 MB
    const socket = connect(server.port, '127.0.0.1', () => socket.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`));
    socket.on('error', () => undefined);
    await new Promise<void>((r) => socket.once('data', () => r()));
    socket.pause();
    assert.equal(feed.clientCount, 1, 'the snapshot alone does not drop it');
    let sentBytes = 0;
    for (let batch = 0; feed.clientCount > 0 && batch < 400; batch++) {
      const rows = Array.from({ length: 1000 }, (_, i) => step(30_000 + batch * 1000 + i));
      feed.publish({ kind: 'rows', rows });
      feed.flush();
      sentBytes += Buffer.byteLength(sseFrame({ kind: 'rows', rows }));
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(feed.clientCount, 0, 'dropped');
    assert.ok(sentBytes > MAX_BACKLOG_BYTES, `dropped only after more than 16 MiB were sent after the snapshot (${sentBytes} bytes)`);
    socket.destroy();
  });

  it('on a non-loopback address requires the token: 403 without it, a cookie from the URL token', async () => {
    const { server, base } = await start({ host: '0.0.0.0', token: TOKEN });
    assert.equal(server.url('node7'), `http://node7:${server.port}/?token=${TOKEN}`);
    for (const path of ['/', '/events', '/vendor/vega.min.js', '/js/figures/named-data.js', '/nope']) {
      const r = await httpGet(`${base}${path}`);
      assert.equal(r.status, 403, path);
      assert.equal(r.body, 'forbidden: no token\n');
    }
    assert.equal((await httpGet(`${base}/?token=${TOKEN.replace('f', 'e')}`)).status, 403);
    const opened = await httpGet(`${base}/?token=${TOKEN}`);
    assert.equal(opened.status, 200);
    const cookie = String(opened.headers['set-cookie']).split(';')[0];
    assert.equal((await httpGet(`${base}/js/figures/named-data.js`, { Cookie: cookie })).status, 200);
    assert.equal((await httpGet(`${base}/js/figures/named-data.js`, { Authorization: `Bearer ${TOKEN}` })).status, 200);
    await assert.rejects(DashboardServer.start({ listen: { host: '0.0.0.0', port: 0 }, feed: new DashboardFeed({ flushMs: 10, maxRows: 1, maxDecisions: 1, say: () => undefined }), assets: new Assets(), say: () => undefined }), (e) => isDynpipeError(e, 'E_USAGE'));
  });

  it('a handler that throws answers 500, says one line once, and the server goes on', async () => {
    const { base } = await start({ beforeRequest: (path) => {
      if (path === '/boom') throw new Error('handler bug');
    } });
    assert.equal((await httpGet(`${base}/boom`)).status, 500);
    assert.equal((await httpGet(`${base}/boom`)).status, 500);
    assert.equal((await httpGet(`${base}/`)).status, 200);
    assert.deepEqual(said, ['dashboard: a request failed (handler bug); training continues']);
  });

  it('fails to start with E_IO naming the address when the port is taken', async () => {
    const { server } = await start();
    await assert.rejects(
      DashboardServer.start({ listen: { host: '127.0.0.1', port: server.port }, feed: new DashboardFeed({ flushMs: 10, maxRows: 1, maxDecisions: 1, say: () => undefined }), assets: new Assets(), say: () => undefined }),
      (e) => isDynpipeError(e, 'E_IO') && e.message === `dashboard: cannot listen on 127.0.0.1:${server.port}: EADDRINUSE`,
    );
  });
});
