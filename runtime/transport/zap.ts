/**
 * The process's ZAP handler (ZeroMQ RFC 27): libzmq asks it, over inproc://zeromq.zap.01, whether
 * to admit each client completing a CURVE handshake with one of our server sockets. It admits a
 * client only if the public key it proved to hold is one of the admitted keys (the job key of each
 * data plane or control server open in this process), and denies everything else, including other
 * mechanisms. Without a handler libzmq would admit any client that knows the server's public key.
 *
 * One handler per process (the endpoint can be bound once per ZeroMQ context): `admitCurveKey`
 * starts it on first use and counts users; the returned release stops it after the last one.
 * It must be running before a CURVE server socket binds, so `admitCurveKey` resolves after bind.
 * A handler being stopped has left `handler` already, and the next one binds only once it has
 * unbound and closed: closing a socket frees its endpoint later, in ZeroMQ's own thread, so a
 * quick stop and start would otherwise race for the endpoint ("Address already in use").
 */
import * as zmq from 'zeromq';
import { z85Encode } from './z85.js';

const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';

interface Handler {
  socket: zmq.Router;
  loop: Promise<void>;
}

const admitted = new Map<string, number>();
let handler: Promise<Handler> | undefined;
/** The last stop: settled once its socket has unbound and closed. */
let stopped: Promise<void> = Promise.resolve();

/** The reply frames for one request (after the routing id and empty delimiter). */
function decide(request: Buffer[]): Buffer[] {
  const [version, requestId, , , , mechanism, key] = request;
  const reply = (status: string, text: string) => [Buffer.from('1.0'), requestId ?? Buffer.alloc(0), Buffer.from(status), Buffer.from(text), Buffer.alloc(0), Buffer.alloc(0)];
  if (request.length < 6 || version.toString() !== '1.0') return reply('400', 'malformed ZAP request');
  if (mechanism.toString() !== 'CURVE' || key === undefined || key.length !== 32) return reply('400', 'only CURVE clients are admitted');
  return admitted.has(z85Encode(key)) ? reply('200', 'OK') : reply('400', 'unknown client key');
}

async function serve(socket: zmq.Router): Promise<void> {
  for (;;) {
    let frames: Buffer[];
    try {
      frames = await socket.receive();
    } catch {
      return; // closed
    }
    const delimiter = frames.findIndex((f, i) => i > 0 && f.length === 0);
    if (delimiter < 0) continue; // not from a REQ socket: nothing sane to answer
    await socket.send([...frames.slice(0, delimiter + 1), ...decide(frames.slice(delimiter + 1))]).catch(() => undefined);
  }
}

async function start(): Promise<Handler> {
  await stopped;
  const socket = new zmq.Router({ linger: 0 });
  try {
    await socket.bind(ZAP_ENDPOINT);
  } catch (e) {
    socket.close();
    throw e;
  }
  return { socket, loop: serve(socket) };
}

async function stop(h: Promise<Handler>): Promise<void> {
  const { socket, loop } = await h;
  await socket.unbind(ZAP_ENDPOINT).catch(() => undefined);
  socket.close();
  await loop;
}

/** Admits clients proving `publicKey` (Z85) until the returned release is called. */
export async function admitCurveKey(publicKey: string): Promise<() => Promise<void>> {
  admitted.set(publicKey, (admitted.get(publicKey) ?? 0) + 1);
  handler ??= start();
  try {
    await handler;
  } catch (e) {
    handler = undefined;
    forget(publicKey);
    throw e;
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    forget(publicKey);
    if (admitted.size > 0 || !handler) return;
    const h = handler;
    handler = undefined; // an admit from now on starts a new handler, after this one has stopped
    stopped = stop(h).catch(() => undefined);
    await stopped;
  };
}

function forget(publicKey: string): void {
  const n = (admitted.get(publicKey) ?? 1) - 1;
  if (n > 0) admitted.set(publicKey, n);
  else admitted.delete(publicKey);
}
