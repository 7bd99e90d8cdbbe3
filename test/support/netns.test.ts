import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { createTwoHosts, netnsUnavailable, type Namespace, type TwoHosts } from './netns.js';
import { isAlive, runCommand } from './process.js';
import { skipSuiteIf } from './skip.js';

/** Echoes every byte back; prints 'listening' once bound to argv[1]:argv[2]. */
const ECHO_SERVER = `
  const net = require('node:net');
  net.createServer((s) => s.pipe(s)).listen(Number(process.argv[2]), process.argv[1], () => console.log('listening'));`;

/** Sends 'ping' to argv[1]:argv[2] and prints the reply; prints the error code and exits 1 on failure. */
const ECHO_CLIENT = `
  const net = require('node:net');
  const s = net.connect({ host: process.argv[1], port: Number(process.argv[2]), timeout: 1500 }, () => s.write('ping'));
  s.on('data', (d) => { console.log('reply ' + d); process.exit(0); });
  s.on('timeout', () => { console.log('ETIMEDOUT'); process.exit(1); });
  s.on('error', (e) => { console.log(e.code); process.exit(1); });`;

const PORT = 7000;

describe('netns two hosts', function () {
  let hosts: TwoHosts | undefined;

  before(async function () {
    skipSuiteIf(this, netnsUnavailable());
    hosts = await createTwoHosts();
  });
  after(async () => hosts?.teardown());

  const ping = (from: Namespace, to: Namespace) =>
    hosts!.run(from, [process.execPath, '-e', ECHO_CLIENT, to.address, String(PORT)], { timeoutMs: 10_000 });

  it('carries a tcp echo from host a to host b, none once the link is down, and again once it is up', async () => {
    const { a, b } = hosts!;
    const server = hosts!.spawn(b, [process.execPath, '-e', ECHO_SERVER, b.address, String(PORT)], { stdio: ['ignore', 'pipe', 'inherit'] });
    await once(server.stdout!, 'data');

    assert.deepEqual(await ping(a, b).then((r) => [r.code, r.stdout.trim()]), [0, 'reply ping']);

    await hosts!.linkDown();
    const down = await ping(a, b);
    assert.equal(down.code, 1);
    assert.match(down.stdout.trim(), /^(ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)$/);

    await hosts!.linkUp();
    assert.deepEqual(await ping(a, b).then((r) => [r.code, r.stdout.trim()]), [0, 'reply ping']);
  });

  it('leaves the machine\'s own interfaces alone: the veth pair and its addresses live only inside', async () => {
    const { a, b } = hosts!;
    const outside = (await runCommand(['ip', '-o', 'addr', 'show'])).stdout;
    assert.ok(!outside.includes(`${a.address}/`) && !outside.includes(`${b.address}/`), outside);
    const inside = (await hosts!.run(a, ['ip', '-o', 'addr', 'show', 'veth0'])).stdout;
    assert.match(inside, /inet 192\.0\.2\.101\/24 /);
  });

  it('teardown stops what it started by pid and deletes both namespaces', async () => {
    const { a, b } = hosts!;
    const sleeper = hosts!.spawn(a, ['sleep', '60'], { stdio: 'ignore' });
    await once(sleeper, 'spawn');
    const pid = sleeper.pid!;
    assert.ok(isAlive(pid));
    await hosts!.teardown();
    assert.equal(isAlive(pid), false);
    const listed = (await runCommand(['ip', 'netns', 'list'])).stdout;
    assert.ok(!listed.includes(a.name) && !listed.includes(b.name), listed);
    await hosts!.teardown(); // idempotent
  });
});
