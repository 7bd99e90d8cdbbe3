/**
 * Host identity for transport choice: two ranks talk over ipc:// when they share a host and over
 * tcp:// otherwise. "Same host" means same kernel *and* same network namespace, not same hostname:
 * containers and `ip netns` "hosts" share a hostname but not a network stack, and two machines can
 * carry the same name. The kernel is told apart by its boot id, the namespace by its inode.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import * as os from 'node:os';

export type Transport = 'ipc' | 'tcp';

export interface HostId {
  /** For messages only; never compared. */
  hostname: string;
  /** /proc/sys/kernel/random/boot_id: unique per boot of a kernel. */
  bootId: string;
  /** /proc/self/ns/net link text, e.g. 'net:[4026531833]': unique per network namespace. */
  netns: string;
}

/** A string equal for two HostIds exactly when they are the same host (for maps and sets). */
export function hostKey(h: HostId): string {
  return `${h.bootId}/${h.netns}`;
}

/**
 * 'ipc' when both ranks share a kernel and network namespace, else 'tcp'. An id with an unknown
 * (empty) boot id or namespace never matches, so an unreadable /proc falls back to tcp, which
 * always works.
 */
export function chooseTransport(mine: HostId, peer: HostId): Transport {
  const known = (h: HostId) => h.bootId !== '' && h.netns !== '';
  return known(mine) && known(peer) && hostKey(mine) === hostKey(peer) ? 'ipc' : 'tcp';
}

function readOr(read: () => string): string {
  try {
    return read().trim();
  } catch {
    return '';
  }
}

/** This process's HostId; fields it cannot read (non-Linux) are ''. */
export function localHostId(): HostId {
  return {
    hostname: os.hostname(),
    bootId: readOr(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8')),
    netns: readOr(() => readlinkSync('/proc/self/ns/net')),
  };
}
