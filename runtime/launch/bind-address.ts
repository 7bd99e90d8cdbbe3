/**
 * Which local IPv4 address a rank binds its data endpoints to and announces at rendezvous: the one
 * that reaches the coordinator's host, so peers on other hosts can reach it back.
 *
 * Order (`chooseBindAddress` is the pure core; `pickBindAddress` adds the I/O):
 *  1. `--bind-addr`, which must be an address of this host (0.0.0.0 is not: peers cannot dial it);
 *  2. a loopback coordinator (127.0.0.0/8) means a one-host job: 127.0.0.1;
 *  3. a coordinator at one of this host's own addresses: that address (rank 0's host);
 *  4. the address of the interface whose subnet holds the coordinator (longest prefix wins);
 *  5. otherwise the kernel's route: the source address of a UDP socket "connected" to the
 *     coordinator. connect() on UDP only picks a route; no packet is sent.
 * No route is an E_USAGE asking for --bind-addr.
 *
 * Caveat: a host whose name maps to 127.0.1.1 in /etc/hosts (Debian's default) resolves itself to
 * loopback, so rank 0 of a multi-host job would bind 127.0.0.1; `checkAnnouncedAddresses` lets the
 * coordinator turn that into a clear error at rendezvous instead of a connect timeout.
 */
import * as dgram from 'node:dgram';
import * as dns from 'node:dns/promises';
import * as os from 'node:os';
import { DynpipeError } from '../errors.js';
import { inSubnet, isIPv4, isLoopbackIPv4, prefixLength } from './ipv4.js';

/** One IPv4 address of a local interface, as `os.networkInterfaces()` reports it. */
export interface InterfaceAddress {
  name: string;
  address: string;
  netmask: string;
}

export type BindReason = 'flag' | 'loopback' | 'local' | 'subnet' | 'route';

export interface BindChoice {
  address: string;
  reason: BindReason;
  /** One line for logs and --print-env, e.g. 'interface eth0 (192.0.2.0/24) holds 192.0.2.7'. */
  detail: string;
}

/** The IPv4 addresses of `os.networkInterfaces()`-shaped data, in interface order. */
export function ipv4Interfaces(table: NodeJS.Dict<os.NetworkInterfaceInfo[]>): InterfaceAddress[] {
  return Object.entries(table).flatMap(([name, infos]) =>
    (infos ?? []).filter((i) => i.family === 'IPv4').map((i) => ({ name, address: i.address, netmask: i.netmask })),
  );
}

function listed(interfaces: readonly InterfaceAddress[]): string {
  return interfaces.map((i) => i.address).join(', ') || 'none';
}

/** Step 1: the user's --bind-addr, checked against this host's addresses. */
export function checkBindOverride(bindAddr: string, interfaces: readonly InterfaceAddress[]): BindChoice {
  if (!isIPv4(bindAddr)) throw new DynpipeError('E_USAGE', `--bind-addr must be an IPv4 address, got '${bindAddr}'`);
  if (bindAddr === '0.0.0.0') throw new DynpipeError('E_USAGE', '--bind-addr 0.0.0.0 cannot be announced to peers; name one address of this host');
  const iface = interfaces.find((i) => i.address === bindAddr);
  if (!iface) {
    throw new DynpipeError('E_USAGE', `--bind-addr ${bindAddr} is not an address of this host (its IPv4 addresses: ${listed(interfaces)})`);
  }
  return { address: bindAddr, reason: 'flag', detail: `--bind-addr (interface ${iface.name})` };
}

/**
 * Steps 2-4 for a coordinator at IPv4 `target`; undefined when only the routing table can tell
 * (step 5). Pure: the interfaces are passed in.
 */
export function chooseBindAddress(target: string, interfaces: readonly InterfaceAddress[]): BindChoice | undefined {
  if (!isIPv4(target)) throw new DynpipeError('E_USAGE', `coordinator address must be IPv4, got '${target}'`);
  if (isLoopbackIPv4(target)) return { address: '127.0.0.1', reason: 'loopback', detail: `coordinator ${target} is on loopback` };
  const own = interfaces.find((i) => i.address === target);
  if (own) return { address: target, reason: 'local', detail: `coordinator is this host (interface ${own.name})` };
  let best: { iface: InterfaceAddress; bits: number } | undefined;
  for (const iface of interfaces) {
    const bits = prefixLength(iface.netmask);
    if (bits === undefined || isLoopbackIPv4(iface.address) || !inSubnet(target, iface.address, iface.netmask)) continue;
    if (best === undefined || bits > best.bits) best = { iface, bits };
  }
  if (!best) return undefined;
  const { iface, bits } = best;
  return { address: iface.address, reason: 'subnet', detail: `interface ${iface.name} (${iface.address}/${bits}) holds ${target}` };
}

/** Step 5: the source address the kernel would use to reach `target`; sends nothing. */
export function routeSourceAddress(target: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const done = (err: Error | undefined, address?: string) => {
      clearTimeout(timer);
      socket.close();
      if (err || address === undefined) {
        const code = (err as NodeJS.ErrnoException | undefined)?.code ?? 'ETIMEDOUT';
        reject(new DynpipeError('E_USAGE', `no route from this host to coordinator ${target} (${code}); pass --bind-addr`, { cause: err }));
      } else {
        resolve(address);
      }
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.once('error', (e) => done(e));
    // Port 9 (discard): any port works, connect() only consults the routing table.
    socket.connect(9, target, (err?: Error) => (err ? done(err) : done(undefined, socket.address().address)));
  });
}

/** The coordinator's IPv4 address: `host` itself if it is one, else its first IPv4 DNS/hosts entry. */
export async function resolveIPv4(host: string): Promise<string> {
  if (isIPv4(host)) return host;
  try {
    return (await dns.lookup(host, { family: 4 })).address;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new DynpipeError('E_USAGE', `coordinator host '${host}' has no IPv4 address (${code}); pass --master-addr as an IP`, { cause: e });
  }
}

export interface PickOptions {
  bindAddr?: string;
  /** Defaults to this host's interfaces. */
  interfaces?: readonly InterfaceAddress[];
}

/** Steps 1-5 for a coordinator named `coordinatorHost` (name or IPv4). */
export async function pickBindAddress(coordinatorHost: string, opts: PickOptions = {}): Promise<BindChoice> {
  const interfaces = opts.interfaces ?? ipv4Interfaces(os.networkInterfaces());
  if (opts.bindAddr !== undefined) return checkBindOverride(opts.bindAddr, interfaces);
  const target = await resolveIPv4(coordinatorHost);
  const chosen = chooseBindAddress(target, interfaces);
  if (chosen) return chosen;
  const address = await routeSourceAddress(target);
  return { address, reason: 'route', detail: `kernel route to ${target}` };
}

/** What a rank announces at rendezvous, as far as reachability is concerned. */
export interface Announcement {
  rank: number;
  /** Host identity (see host-id.ts), compared for equality only. */
  hostKey: string;
  address: string;
}

/**
 * Throws E_USAGE when ranks span several hosts and one of them announced a loopback address,
 * which its peers on other hosts cannot dial.
 */
export function checkAnnouncedAddresses(announced: readonly Announcement[]): void {
  const hosts = new Set(announced.map((a) => a.hostKey));
  if (hosts.size < 2) return;
  const bad = announced.find((a) => isLoopbackIPv4(a.address));
  if (bad) {
    throw new DynpipeError(
      'E_USAGE',
      `rank ${bad.rank} announced loopback address ${bad.address} but ranks run on ${hosts.size} hosts; ` +
        'pass --master-addr as an address other hosts reach, or --bind-addr',
    );
  }
}
