import { strict as assert } from 'node:assert';
import type { NetworkInterfaceInfo } from 'node:os';
import {
  checkAnnouncedAddresses,
  checkBindOverride,
  chooseBindAddress,
  ipv4Interfaces,
  pickBindAddress,
  routeSourceAddress,
  type InterfaceAddress,
} from '../../../runtime/launch/bind-address.js';
import { chooseTransport, type HostId } from '../../../runtime/launch/host-id.js';
import { createTwoHosts, netnsUnavailable, type Namespace, type TwoHosts } from '../../support/netns.js';
import { runChecked } from '../../support/process.js';
import { skipSuiteIf } from '../../support/skip.js';
import { rejectsOneLine, throwsOneLine } from './helpers.js';

/** A host with a 10/8 ethernet, a 10.1/16 InfiniBand inside it, and a 192.0.2/24 link. */
const IFACES: InterfaceAddress[] = [
  { name: 'lo', address: '127.0.0.1', netmask: '255.0.0.0' },
  { name: 'eth0', address: '10.0.0.5', netmask: '255.0.0.0' },
  { name: 'ib0', address: '10.1.0.5', netmask: '255.255.0.0' },
  { name: 'eth1', address: '192.0.2.2', netmask: '255.255.255.0' },
];

const pick = (target: string) => {
  const c = chooseBindAddress(target, IFACES);
  return c && [c.address, c.reason];
};

describe('bind-address', () => {
  it('binds loopback for a loopback coordinator and the coordinator\'s own address when it is local', () => {
    assert.deepEqual(pick('127.0.0.1'), ['127.0.0.1', 'loopback']);
    assert.deepEqual(pick('127.0.1.1'), ['127.0.0.1', 'loopback']);
    assert.deepEqual(pick('10.1.0.5'), ['10.1.0.5', 'local']);
  });

  it('binds the interface whose subnet holds the coordinator, the longest prefix winning', () => {
    assert.deepEqual(pick('10.1.7.7'), ['10.1.0.5', 'subnet']);
    assert.deepEqual(pick('10.2.0.1'), ['10.0.0.5', 'subnet']);
    assert.deepEqual(pick('192.0.2.77'), ['192.0.2.2', 'subnet']);
    assert.equal(chooseBindAddress('10.1.7.7', IFACES)?.detail, 'interface ib0 (10.1.0.5/16) holds 10.1.7.7');
  });

  it('leaves a coordinator beyond every subnet to the routing table', () => {
    assert.equal(chooseBindAddress('203.0.113.1', IFACES), undefined);
    assert.equal(chooseBindAddress('10.0.0.9', []), undefined);
  });

  it('takes --bind-addr only if it is one of this host\'s addresses', () => {
    assert.deepEqual(checkBindOverride('10.1.0.5', IFACES), { address: '10.1.0.5', reason: 'flag', detail: '--bind-addr (interface ib0)' });
    throwsOneLine(() => checkBindOverride('10.9.9.9', IFACES), 'E_USAGE', '--bind-addr 10.9.9.9 is not an address of this host', '127.0.0.1, 10.0.0.5, 10.1.0.5, 192.0.2.2');
    throwsOneLine(() => checkBindOverride('0.0.0.0', IFACES), 'E_USAGE', '0.0.0.0 cannot be announced');
    throwsOneLine(() => checkBindOverride('eth0', IFACES), 'E_USAGE', "--bind-addr must be an IPv4 address, got 'eth0'");
    throwsOneLine(() => chooseBindAddress('node01', IFACES), 'E_USAGE', "coordinator address must be IPv4, got 'node01'");
  });

  it('reads IPv4 entries from os.networkInterfaces()-shaped data', () => {
    const v4 = (address: string, netmask: string): NetworkInterfaceInfo => ({ address, netmask, family: 'IPv4', mac: '', internal: false, cidr: null });
    const v6: NetworkInterfaceInfo = { address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '', internal: false, cidr: null, scopeid: 2 };
    assert.deepEqual(ipv4Interfaces({ lo: [v4('127.0.0.1', '255.0.0.0')], eth0: [v6, v4('10.0.0.5', '255.0.0.0')], down: undefined }), [
      { name: 'lo', address: '127.0.0.1', netmask: '255.0.0.0' },
      { name: 'eth0', address: '10.0.0.5', netmask: '255.0.0.0' },
    ]);
  });

  it('resolves names, and asks the kernel for the source address of a route', async () => {
    assert.deepEqual(await pickBindAddress('localhost'), { address: '127.0.0.1', reason: 'loopback', detail: 'coordinator 127.0.0.1 is on loopback' });
    assert.equal(await routeSourceAddress('127.0.0.9'), '127.0.0.1');
    assert.equal((await pickBindAddress('127.0.0.1', { bindAddr: '10.0.0.5', interfaces: IFACES })).reason, 'flag');
    await rejectsOneLine(pickBindAddress('127.0.0.1', { bindAddr: '10.9.9.9', interfaces: IFACES }), 'E_USAGE', '--bind-addr 10.9.9.9');
  });

  it('refuses loopback announcements once ranks span two hosts', () => {
    checkAnnouncedAddresses([{ rank: 0, hostKey: 'h1', address: '127.0.0.1' }, { rank: 1, hostKey: 'h1', address: '127.0.0.1' }]);
    checkAnnouncedAddresses([{ rank: 0, hostKey: 'h1', address: '192.0.2.1' }, { rank: 1, hostKey: 'h2', address: '192.0.2.2' }]);
    throwsOneLine(
      () => checkAnnouncedAddresses([{ rank: 0, hostKey: 'h1', address: '192.0.2.1' }, { rank: 1, hostKey: 'h2', address: '127.0.0.1' }]),
      'E_USAGE',
      'rank 1 announced loopback address 127.0.0.1 but ranks run on 2 hosts',
    );
  });

  describe('in two network namespaces', function () {
    let hosts: TwoHosts | undefined;
    const moduleUrl = (name: string) => new URL(`../../../runtime/launch/${name}.js`, import.meta.url).href;
    /** Runs pickBindAddress(target) and localHostId() in a node child inside `ns`; prints JSON. */
    const probe = async (ns: Namespace, target: string) => {
      const code = `
        const { pickBindAddress } = await import(${JSON.stringify(moduleUrl('bind-address'))});
        const { localHostId } = await import(${JSON.stringify(moduleUrl('host-id'))});
        const out = await pickBindAddress(process.argv[1]).then((c) => ({ ok: true, ...c }), (e) => ({ ok: false, code: e.code, message: e.message }));
        console.log(JSON.stringify({ ...out, hostId: localHostId() }));`;
      const r = await hosts!.run(ns, [process.execPath, '--input-type=module', '-e', code, target], { timeoutMs: 20_000 });
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as { ok: boolean; address?: string; reason?: string; code?: string; message?: string; hostId: HostId };
    };

    before(async function () {
      skipSuiteIf(this, netnsUnavailable());
      hosts = await createTwoHosts();
    });
    after(async () => hosts?.teardown());

    it('binds the veth address that shares a subnet with the coordinator, or the coordinator\'s own', async () => {
      const { a, b } = hosts!;
      assert.deepEqual(await probe(a, b.address).then((r) => [r.address, r.reason]), ['192.0.2.101', 'subnet']);
      assert.deepEqual(await probe(b, a.address).then((r) => [r.address, r.reason]), ['192.0.2.102', 'subnet']);
      assert.deepEqual(await probe(a, a.address).then((r) => [r.address, r.reason]), ['192.0.2.101', 'local']);
    });

    it('follows a route through the other host, and says when there is none', async () => {
      const { a, b } = hosts!;
      // b owns 198.51.100.7 on its loopback; a reaches 198.51.100.0/24 via b: no subnet of a holds it.
      await runChecked(['ip', '-n', b.name, 'addr', 'add', '198.51.100.7/32', 'dev', 'lo']);
      await runChecked(['ip', '-n', a.name, 'route', 'add', '198.51.100.0/24', 'via', b.address]);
      assert.deepEqual(await probe(a, '198.51.100.7').then((r) => [r.address, r.reason]), ['192.0.2.101', 'route']);
      const none = await probe(a, '203.0.113.9');
      assert.deepEqual([none.ok, none.code], [false, 'E_USAGE']);
      assert.match(none.message!, /^no route from this host to coordinator 203\.0\.113\.9 \(ENETUNREACH\); pass --bind-addr$/);
    });

    it('sees the namespaces as two hosts (tcp) and two processes in one as one host (ipc)', async () => {
      const { a, b } = hosts!;
      const [inA, alsoInA, inB] = [await probe(a, '127.0.0.1'), await probe(a, '127.0.0.1'), await probe(b, '127.0.0.1')];
      assert.equal(inA.hostId.hostname, inB.hostId.hostname); // one machine, one name ...
      assert.equal(chooseTransport(inA.hostId, inB.hostId), 'tcp'); // ... but two network stacks
      assert.equal(chooseTransport(inA.hostId, alsoInA.hostId), 'ipc');
    });

    it('rejects a coordinator name that does not resolve', async () => {
      const r = await probe(hosts!.a, 'no-such-host.invalid');
      assert.deepEqual([r.ok, r.code], [false, 'E_USAGE']);
      assert.match(r.message!, /^coordinator host 'no-such-host\.invalid' has no IPv4 address \(\w+\); pass --master-addr as an IP$/);
    });
  });
});
