import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zmq from 'zeromq';
import { DataPlane } from '../../../runtime/transport/data-plane.js';
import { checkBindAddress, claimIpcPath, formatEndpoint, ipcEndpoint, parseEndpoint, releaseIpcPath, tcpEndpoint } from '../../../runtime/transport/endpoints.js';
import { RejectLog, dynpipeError } from './helpers.js';

describe('transport endpoints', () => {
  let base: string;

  beforeEach(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'dp-ep-'));
  });

  afterEach(() => {
    fs.rmSync(base, { recursive: true, force: true });
  });

  it('parses and prints ipc and tcp addresses, port 0 meaning ephemeral', () => {
    assert.deepEqual(parseEndpoint('ipc:///tmp/x/r1.sock'), { transport: 'ipc', path: '/tmp/x/r1.sock' });
    assert.deepEqual(parseEndpoint('tcp://10.0.0.2:5555'), { transport: 'tcp', host: '10.0.0.2', port: 5555 });
    assert.deepEqual(parseEndpoint('tcp://127.0.0.1:*'), { transport: 'tcp', host: '127.0.0.1', port: 0 });
    assert.equal(formatEndpoint({ transport: 'tcp', host: 'node7', port: 0 }), 'tcp://node7:*');
    assert.equal(tcpEndpoint(), 'tcp://127.0.0.1:*');
    for (const s of ['tcp://127.0.0.1:45000', 'ipc:///tmp/a.sock']) assert.equal(formatEndpoint(parseEndpoint(s)), s);
  });

  it('names the fault in a bad address', () => {
    assert.throws(() => parseEndpoint('udp://1.2.3.4:5', 'peer'), dynpipeError('E_USAGE', /^peer 'udp:\/\/1.2.3.4:5' is neither ipc:\/\/\/PATH nor tcp:\/\/HOST:PORT$/));
    assert.throws(() => parseEndpoint('tcp://h:70000'), dynpipeError('E_USAGE', /port 70000 is out of range/));
    assert.throws(() => parseEndpoint('ipc://relative.sock'), dynpipeError('E_USAGE', /ipc path must be absolute/));
    assert.throws(() => parseEndpoint(`ipc:///${'x'.repeat(120)}`), dynpipeError('E_USAGE', /longer than 107 bytes/));
  });

  it('refuses to bind all interfaces unless asked', () => {
    for (const a of ['tcp://0.0.0.0:*', 'tcp://*:5000']) {
      assert.throws(() => checkBindAddress(a), dynpipeError('E_USAGE', /listens on all interfaces/));
      assert.equal(checkBindAddress(a, true).transport, 'tcp');
    }
    assert.equal(checkBindAddress('tcp://127.0.0.1:*').transport, 'tcp');
  });

  it('makes ipc paths unique per job and rank, and validates the job id', () => {
    assert.equal(ipcEndpoint('job-1', 3, '/tmp'), 'ipc:///tmp/dynpipe-job-1/r3.sock');
    assert.notEqual(ipcEndpoint('job-1', 3, '/tmp'), ipcEndpoint('job-2', 3, '/tmp'));
    assert.throws(() => ipcEndpoint('a/b', 0), dynpipeError('E_USAGE', /job id 'a\/b' must be 1-40 characters/));
    assert.throws(() => ipcEndpoint('ok', -1), dynpipeError('E_USAGE', /rank must be a non-negative integer, got -1/));
  });

  it('clears a stale ipc file but refuses a path a live socket is bound to', async () => {
    const address = ipcEndpoint('stale', 0, base);
    const file = parseEndpoint(address);
    await claimIpcPath(address);
    assert.ok(fs.statSync(path.join(base, 'dynpipe-stale')).isDirectory());
    if (file.transport !== 'ipc') assert.fail('expected an ipc endpoint');
    fs.writeFileSync(file.path, 'left over by a crash');
    await claimIpcPath(address);
    assert.equal(fs.existsSync(file.path), false);

    const live = new zmq.Pull({ linger: 0 });
    await live.bind(address);
    try {
      await assert.rejects(claimIpcPath(address), dynpipeError('E_USAGE', /ipc path '.*r0.sock' is in use by a live process/));
    } finally {
      live.close();
    }
  });

  it('removes the socket file on close, and the job directory once the last rank is gone', async () => {
    const rejects = new RejectLog();
    const planes = await Promise.all([0, 1].map((rank) => DataPlane.open({ rank, bindAddress: ipcEndpoint('tidy', rank, base), planVersion: 0, onReject: rejects.onReject })));
    const dir = path.join(base, 'dynpipe-tidy');
    assert.deepEqual(fs.readdirSync(dir).sort(), ['r0.sock', 'r1.sock']);
    await planes[0].close();
    assert.deepEqual(fs.readdirSync(dir), ['r1.sock']);
    await planes[1].close();
    assert.equal(fs.existsSync(dir), false);
    releaseIpcPath(ipcEndpoint('tidy', 1, base)); // a second release is harmless
  });
});
