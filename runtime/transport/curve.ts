/**
 * CURVE socket options for the data plane and the control channel (keys: curve-keys.ts). A socket
 * that binds is a CURVE server; a socket that connects is a CURVE client that proves it holds the
 * job's key pair. A failed handshake is reported (never thrown): it is some peer's problem.
 */
import type * as zmq from 'zeromq';
import type { CurveKeys } from './curve-keys.js';

/** The ZAP domain of every dynpipe CURVE server socket. */
export const ZAP_DOMAIN = 'dynpipe';

export function curveServerOptions(keys: CurveKeys | undefined): Partial<{ curveServer: boolean; curveSecretKey: string; curvePublicKey: string; zapDomain: string }> {
  return keys ? { curveServer: true, curveSecretKey: keys.secretKey, curvePublicKey: keys.publicKey, zapDomain: ZAP_DOMAIN } : {};
}

export function curveClientOptions(keys: CurveKeys | undefined): Partial<{ curveServerKey: string; curvePublicKey: string; curveSecretKey: string }> {
  return keys ? { curveServerKey: keys.publicKey, curvePublicKey: keys.publicKey, curveSecretKey: keys.secretKey } : {};
}

/** Calls `report` with one line for every failed security handshake on `socket` (a CURVE socket only). */
export function reportHandshakeFailures(socket: zmq.Socket, who: string, report: (line: string) => void): void {
  const say = (kind: string) => (e: { address?: string; error?: Error }) =>
    report(`${who}: refused a peer at ${e.address ?? 'an unknown address'}: ${kind} (${e.error?.message ?? 'no detail'})`);
  socket.events.on('handshake:error:auth', say('authentication failed'));
  socket.events.on('handshake:error:protocol', say('security handshake failed'));
  socket.events.on('handshake:error:other', say('security handshake failed'));
}
