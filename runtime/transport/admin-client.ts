/**
 * An admin client of a running job's coordinator (what `dynpipe repartition` uses): one DEALER with
 * the identity `admin-<random>`, one request, one answer, one deadline.
 *
 *   admin ──admin-repartition {plan}──▶ coordinator ... (the change is applied) ...
 *   admin ◀──admin-reply {ok, message}── coordinator
 */
import { randomBytes } from 'node:crypto';
import * as zmq from 'zeromq';
import { DynpipeError } from '../errors.js';
import { type AdminMessage, type AdminReply, MAX_CONTROL_BYTES, decodeControl, encodeControl } from './control-messages.js';
import { parseEndpoint } from './endpoints.js';

/** Sends `request` to the coordinator at `endpoint` and returns its reply; E_PEER_TIMEOUT past `timeoutMs`. */
export async function adminRequest(endpoint: string, request: AdminMessage, timeoutMs: number): Promise<AdminReply> {
  parseEndpoint(endpoint, 'coordinator endpoint');
  if (!(timeoutMs > 0 && Number.isFinite(timeoutMs))) throw new DynpipeError('E_USAGE', `timeout must be a positive number of ms, got ${timeoutMs}`);
  const identity = `admin-${randomBytes(6).toString('hex')}`;
  const dealer = new zmq.Dealer({ routingId: identity, linger: 0, maxMessageSize: MAX_CONTROL_BYTES, sendTimeout: timeoutMs, receiveTimeout: timeoutMs });
  try {
    dealer.connect(endpoint);
    try {
      await dealer.send(encodeControl(request));
    } catch (e) {
      throw new DynpipeError('E_PEER_TIMEOUT', `no coordinator took the request at ${endpoint} within ${timeoutMs} ms (${(e as Error).message})`);
    }
    let frames: Buffer[];
    try {
      frames = await dealer.receive();
    } catch {
      throw new DynpipeError('E_PEER_TIMEOUT', `the coordinator at ${endpoint} did not answer within ${timeoutMs} ms`);
    }
    if (frames.length !== 1) throw new DynpipeError('E_MESSAGE', `coordinator answered with ${frames.length} frames, expected 1`);
    const reply = decodeControl(frames[0]);
    if (reply.type !== 'admin-reply') throw new DynpipeError('E_MESSAGE', `coordinator answered '${reply.type}', expected 'admin-reply'`);
    return reply;
  } finally {
    dealer.close();
  }
}
