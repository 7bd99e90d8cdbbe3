/**
 * Addresses the data plane and control channel bind to: `ipc://PATH` between processes on one host,
 * `tcp://HOST:PORT` across hosts. Binding is loopback unless a host is named, and never on all
 * interfaces (0.0.0.0, *, ::) unless the caller asks. Port 0 (written `*` to ZeroMQ) binds an
 * ephemeral port; read the real one back from the socket's `lastEndpoint`.
 *
 * IPC paths are `<tmpdir>/dynpipe-<jobId>/r<rank>.sock`: unique per job and rank, claimed before bind
 * (a stale file is removed, a live one is an error, since ZeroMQ would silently steal it) and released
 * after close (file removed, then the job directory once empty).
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { DynpipeError } from '../errors.js';

export type Endpoint = { transport: 'ipc'; path: string } | { transport: 'tcp'; host: string; port: number };

/** Linux's sun_path holds 108 bytes including the terminating NUL. */
export const MAX_IPC_PATH_BYTES = 107;

const ALL_INTERFACES = new Set(['0.0.0.0', '*', '::', '[::]']);
const JOB_ID = /^[A-Za-z0-9_-]{1,40}$/;

/** Parses `ipc:///abs/path` or `tcp://host:port` (port may be `*` or 0 = ephemeral); E_USAGE names `what`. */
export function parseEndpoint(address: string, what = 'endpoint'): Endpoint {
  if (address.startsWith('ipc://')) {
    const p = address.slice('ipc://'.length);
    if (!path.isAbsolute(p)) throw new DynpipeError('E_USAGE', `${what} '${address}': ipc path must be absolute`);
    if (Buffer.byteLength(p) > MAX_IPC_PATH_BYTES) throw new DynpipeError('E_USAGE', `${what} '${address}': ipc path is longer than ${MAX_IPC_PATH_BYTES} bytes`);
    return { transport: 'ipc', path: p };
  }
  const m = /^tcp:\/\/(\[[0-9A-Fa-f:.]+\]|[^:/[\]]+):(\*|\d{1,5})$/.exec(address);
  if (!m) throw new DynpipeError('E_USAGE', `${what} '${address}' is neither ipc:///PATH nor tcp://HOST:PORT`);
  const port = m[2] === '*' ? 0 : Number(m[2]);
  if (port > 65535) throw new DynpipeError('E_USAGE', `${what} '${address}': port ${port} is out of range`);
  return { transport: 'tcp', host: m[1], port };
}

/** The ZeroMQ address for `e`; port 0 becomes `*`. */
export function formatEndpoint(e: Endpoint): string {
  return e.transport === 'ipc' ? `ipc://${e.path}` : `tcp://${e.host}:${e.port === 0 ? '*' : e.port}`;
}

/** A tcp bind address, loopback and ephemeral by default. */
export function tcpEndpoint(host = '127.0.0.1', port = 0): string {
  return formatEndpoint({ transport: 'tcp', host, port });
}

/** Throws E_USAGE if `address` is malformed or binds all interfaces without `allowAllInterfaces`. */
export function checkBindAddress(address: string, allowAllInterfaces = false): Endpoint {
  const e = parseEndpoint(address, 'bind address');
  if (e.transport === 'tcp' && ALL_INTERFACES.has(e.host) && !allowAllInterfaces) {
    throw new DynpipeError('E_USAGE', `bind address '${address}' listens on all interfaces; name an interface address or allow it explicitly`);
  }
  return e;
}

/** `ipc://<baseDir>/dynpipe-<jobId>/r<rank>.sock`; throws E_USAGE on a bad job id or a too-long path. */
export function ipcEndpoint(jobId: string, rank: number, baseDir: string = os.tmpdir()): string {
  if (!JOB_ID.test(jobId)) throw new DynpipeError('E_USAGE', `job id '${jobId}' must be 1-40 characters of [A-Za-z0-9_-]`);
  if (!Number.isSafeInteger(rank) || rank < 0) throw new DynpipeError('E_USAGE', `rank must be a non-negative integer, got ${rank}`);
  const address = `ipc://${path.join(path.resolve(baseDir), `dynpipe-${jobId}`, `r${rank}.sock`)}`;
  parseEndpoint(address, `ipc endpoint of rank ${rank}`);
  return address;
}

/**
 * Prepares an ipc path for bind: creates its directory (mode 0700), removes a stale socket file left
 * by a dead process, and throws E_USAGE if a live process still listens there. No-op for tcp.
 */
export async function claimIpcPath(address: string): Promise<void> {
  const e = parseEndpoint(address);
  if (e.transport !== 'ipc') return;
  fs.mkdirSync(path.dirname(e.path), { recursive: true, mode: 0o700 });
  if (!fs.existsSync(e.path)) return;
  if (await isListening(e.path)) throw new DynpipeError('E_USAGE', `ipc path '${e.path}' is in use by a live process (another job with the same id?)`);
  fs.rmSync(e.path, { force: true });
}

/** Removes an ipc socket file after close, then its `dynpipe-<jobId>` directory if now empty. No-op for tcp. */
export function releaseIpcPath(address: string): void {
  const e = parseEndpoint(address);
  if (e.transport !== 'ipc') return;
  fs.rmSync(e.path, { force: true });
  if (!path.basename(path.dirname(e.path)).startsWith('dynpipe-')) return;
  try {
    fs.rmdirSync(path.dirname(e.path));
  } catch {
    // Not empty (other ranks of the job still bound) or already gone: the last one out removes it.
  }
}

function isListening(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect({ path: socketPath });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}
