/** IPv4 dotted-quad arithmetic for choosing a bind address. Pure. */

/** The address as an unsigned 32-bit number, or undefined if `text` is not a dotted quad. */
export function parseIPv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
}

export function isIPv4(text: string): boolean {
  return parseIPv4(text) !== undefined;
}

/** 127.0.0.0/8: every such address reaches this host's loopback interface. */
export function isLoopbackIPv4(text: string): boolean {
  return parseIPv4(text) !== undefined && text.split('.')[0] === '127';
}

/** Number of leading one bits of a netmask such as 255.255.240.0, or undefined if not contiguous. */
export function prefixLength(netmask: string): number | undefined {
  const m = parseIPv4(netmask);
  if (m === undefined) return undefined;
  const bits = Math.clz32(~m); // leading ones of m = leading zeros of its complement
  const contiguous = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return contiguous === m ? bits : undefined;
}

/** True when `address` lies in the subnet of `ifaceAddress`/`netmask`. */
export function inSubnet(address: string, ifaceAddress: string, netmask: string): boolean {
  const a = parseIPv4(address);
  const b = parseIPv4(ifaceAddress);
  const m = parseIPv4(netmask);
  if (a === undefined || b === undefined || m === undefined) return false;
  return ((a & m) >>> 0) === ((b & m) >>> 0);
}
