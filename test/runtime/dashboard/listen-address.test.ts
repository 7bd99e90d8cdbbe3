import { strict as assert } from 'node:assert';
import { hostPort, isLoopbackHost, parseListenAddress } from '../../../runtime/dashboard/listen-address.js';
import { isDynpipeError } from '../../../runtime/errors.js';

describe('dashboard listen address', () => {
  it('parses HOST:PORT, HOST, :PORT and [IPv6]:PORT, defaulting to 127.0.0.1 and port 0', () => {
    assert.deepEqual(parseListenAddress('0.0.0.0:8080', '--x'), { host: '0.0.0.0', port: 8080 });
    assert.deepEqual(parseListenAddress('node7.cluster', '--x'), { host: 'node7.cluster', port: 0 });
    assert.deepEqual(parseListenAddress(':9000', '--x'), { host: '127.0.0.1', port: 9000 });
    assert.deepEqual(parseListenAddress('[::1]:65535', '--x'), { host: '::1', port: 65535 });
    assert.deepEqual(parseListenAddress('localhost:', '--x'), { host: 'localhost', port: 0 });
  });

  it('names the flag and the value in one line on a bad address', () => {
    for (const bad of ['a:b:c', 'host:65536', 'host:-1', 'two words:80', '[::1']) {
      assert.throws(() => parseListenAddress(bad, '--dashboard'), (e) => isDynpipeError(e, 'E_USAGE') && e.message.startsWith(`--dashboard '${bad}': `) && !e.message.includes('\n'));
    }
  });

  it('knows loopback names and writes IPv6 in brackets', () => {
    for (const h of ['localhost', '127.0.0.1', '127.3.4.5', '::1']) assert.ok(isLoopbackHost(h), h);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'node7']) assert.ok(!isLoopbackHost(h), h);
    assert.equal(hostPort('::1', 80), '[::1]:80');
    assert.equal(hostPort('127.0.0.1', 80), '127.0.0.1:80');
  });
});
