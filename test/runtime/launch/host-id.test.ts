import { strict as assert } from 'node:assert';
import { skipIf } from '../../support/skip.js';
import { chooseTransport, hostKey, localHostId, type HostId } from '../../../runtime/launch/host-id.js';

const node1: HostId = { hostname: 'node1', bootId: 'b1', netns: 'net:[1]' };

describe('host-id', () => {
  it('chooses ipc on the same kernel and network namespace, whatever the hostnames say', () => {
    assert.equal(chooseTransport(node1, { ...node1 }), 'ipc');
    assert.equal(chooseTransport(node1, { ...node1, hostname: 'alias' }), 'ipc');
  });

  it('chooses tcp across kernels or namespaces, even under one hostname', () => {
    assert.equal(chooseTransport(node1, { ...node1, bootId: 'b2' }), 'tcp');
    assert.equal(chooseTransport(node1, { ...node1, netns: 'net:[2]' }), 'tcp');
  });

  it('chooses tcp when either identity is unknown', () => {
    const unknown: HostId = { hostname: 'node1', bootId: '', netns: '' };
    assert.equal(chooseTransport(unknown, unknown), 'tcp');
    assert.equal(chooseTransport(node1, { ...node1, netns: '' }), 'tcp');
  });

  it('hostKey is equal exactly for the same kernel and namespace', () => {
    assert.equal(hostKey(node1), hostKey({ ...node1, hostname: 'other' }));
    assert.notEqual(hostKey(node1), hostKey({ ...node1, netns: 'net:[2]' }));
  });

  it('localHostId reads this process\'s boot id and network namespace on Linux', function () {
    skipIf(this, process.platform === 'linux' ? undefined : `no /proc on ${process.platform}`);
    const id = localHostId();
    assert.match(id.bootId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.match(id.netns, /^net:\[\d+\]$/);
    assert.equal(chooseTransport(id, localHostId()), 'ipc');
  });
});
