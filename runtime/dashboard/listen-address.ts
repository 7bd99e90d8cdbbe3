/**
 * Where the dashboard listens: `--dashboard [HOST:PORT]` and `--listen HOST:PORT`. Loopback and a
 * free port by default; any other host makes the server require a token. Pure.
 */
import { DynpipeError } from '../errors.js';
import { isLoopbackIPv4 } from '../launch/ipv4.js';

export interface ListenAddress {
  /** A host name or address as given (IPv6 without brackets). */
  host: string;
  /** 0: any free port. */
  port: number;
}

export const DEFAULT_LISTEN: ListenAddress = { host: '127.0.0.1', port: 0 };

/**
 * Parses `HOST:PORT`, `HOST`, `:PORT` or `[IPv6]:PORT`; a missing part takes its default.
 * `flag` names the option in the E_USAGE error.
 */
export function parseListenAddress(text: string, flag: string): ListenAddress {
  const bad = (why: string) => new DynpipeError('E_USAGE', `${flag} '${text}': ${why} (expected HOST:PORT, e.g. 127.0.0.1:8080 or 0.0.0.0:0)`);
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]]*))(?::(\d*))?$/.exec(text.trim());
  if (!m) throw bad('not a host and port');
  const host = m[1] ?? (m[2] || DEFAULT_LISTEN.host);
  const portText = m[3];
  if (portText === undefined || portText === '') return { host, port: DEFAULT_LISTEN.port };
  const port = Number(portText);
  if (!Number.isInteger(port) || port > 65535) throw bad(`port ${portText} is not in [0, 65535]`);
  return { host, port };
}

/** True for names that only this host can reach: localhost, 127.0.0.0/8 and ::1. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || isLoopbackIPv4(h) || h === '::1' || h === '0:0:0:0:0:0:0:1';
}

/** `host:port` for a URL (IPv6 in brackets). */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
