import { strict as assert } from 'node:assert';
import { inSubnet, isIPv4, isLoopbackIPv4, parseIPv4, prefixLength } from '../../../runtime/launch/ipv4.js';

describe('ipv4', () => {
  it('parses dotted quads to unsigned 32-bit numbers and nothing else', () => {
    assert.equal(parseIPv4('0.0.0.0'), 0);
    assert.equal(parseIPv4('192.0.2.1'), 192 * 2 ** 24 + 2 * 256 + 1);
    assert.equal(parseIPv4('255.255.255.255'), 2 ** 32 - 1);
    for (const bad of ['256.0.0.1', '1.2.3', '1.2.3.4.5', 'a.b.c.d', '', ' 1.2.3.4', '1.2.3.-4', 'fe80::1']) {
      assert.equal(parseIPv4(bad), undefined, bad);
      assert.equal(isIPv4(bad), false, bad);
    }
  });

  it('knows 127.0.0.0/8 as loopback', () => {
    assert.deepEqual(['127.0.0.1', '127.0.1.1', '127.255.255.254', '128.0.0.1', '10.127.0.1', 'localhost'].map(isLoopbackIPv4), [true, true, true, false, false, false]);
  });

  it('turns contiguous netmasks into prefix lengths and rejects the rest', () => {
    assert.deepEqual(
      ['0.0.0.0', '128.0.0.0', '255.0.0.0', '255.255.240.0', '255.255.255.0', '255.255.255.254', '255.255.255.255'].map(prefixLength),
      [0, 1, 8, 20, 24, 31, 32],
    );
    assert.deepEqual(['255.0.255.0', '0.255.255.255', '255.255.255.1', 'x'].map(prefixLength), [undefined, undefined, undefined, undefined]);
  });

  it('tests subnet membership under a mask', () => {
    assert.equal(inSubnet('192.0.2.200', '192.0.2.1', '255.255.255.0'), true);
    assert.equal(inSubnet('192.0.3.1', '192.0.2.1', '255.255.255.0'), false);
    assert.equal(inSubnet('10.1.250.3', '10.1.240.9', '255.255.240.0'), true);
    assert.equal(inSubnet('10.1.239.3', '10.1.240.9', '255.255.240.0'), false);
    assert.equal(inSubnet('203.0.113.9', '192.0.2.1', '0.0.0.0'), true);
    assert.equal(inSubnet('192.0.2.2', '192.0.2.1', '255.255.255.255'), false);
    assert.equal(inSubnet('h', '192.0.2.1', '255.255.255.0'), false);
  });
});
