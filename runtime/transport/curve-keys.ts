/**
 * The job's CURVE key pair (ZeroMQ's CurveZMQ: X25519 keys, Z85 text). One pair is shared by the
 * coordinator and every rank of a job: each socket that binds is a CURVE server with the job's
 * secret key, each socket that connects proves it holds the same secret key, and the ZAP handler
 * (zap.ts) admits only clients presenting the job's public key. A peer without the key directory
 * can neither connect nor read what is sent. Pure: no files (key-files.ts reads and writes them).
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import * as zmq from 'zeromq';
import { DynpipeError } from '../errors.js';
import { z85Decode, z85Encode } from './z85.js';

export interface CurveKeys {
  /** Z85, 40 characters. */
  publicKey: string;
  /** Z85, 40 characters. */
  secretKey: string;
}

/** DER of a PKCS#8 X25519 private key up to its 32 raw bytes (RFC 8410). */
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

export function generateCurveKeys(): CurveKeys {
  const { publicKey, secretKey } = zmq.curveKeyPair();
  return { publicKey, secretKey };
}

/** The X25519 public key of a secret key, both in Z85. */
export function curvePublicOf(secretKey: string, what = 'secret key'): string {
  const raw = z85Decode(secretKey, what);
  if (raw.length !== 32) throw new DynpipeError('E_USAGE', `${what}: ${raw.length} bytes, a CURVE key has 32`);
  const key = createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return z85Encode(spki.subarray(spki.length - 32));
}

/** Checks that both keys are 40-character Z85 and that the public key belongs to the secret key. */
export function checkCurveKeys(keys: CurveKeys, source: string): CurveKeys {
  for (const [name, k] of [['public key', keys.publicKey], ['secret key', keys.secretKey]] as const) {
    if (typeof k !== 'string' || k.length !== 40) throw new DynpipeError('E_USAGE', `${source}: ${name} must be 40 characters of Z85`);
    z85Decode(k, `${source}: ${name}`);
  }
  if (curvePublicOf(keys.secretKey, `${source}: secret key`) !== keys.publicKey) {
    throw new DynpipeError('E_USAGE', `${source}: the public key does not belong to the secret key`);
  }
  return keys;
}
