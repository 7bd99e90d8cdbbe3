/**
 * Z85 (ZeroMQ RFC 32): 4 bytes <-> 5 printable characters, the text form of CURVE keys
 * (32 bytes <-> 40 characters). Pure. Decoding rejects anything that is not strict Z85.
 */
import { DynpipeError } from '../errors.js';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
const VALUE = new Map([...ALPHABET].map((c, i) => [c, i]));

export function z85Encode(bytes: Uint8Array): string {
  if (bytes.length % 4 !== 0) throw new DynpipeError('E_USAGE', `z85: ${bytes.length} bytes is not a multiple of 4`);
  let out = '';
  for (let i = 0; i < bytes.length; i += 4) {
    let v = ((bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]) >>> 0;
    let chunk = '';
    for (let k = 0; k < 5; k++) {
      chunk = ALPHABET[v % 85] + chunk;
      v = Math.floor(v / 85);
    }
    out += chunk;
  }
  return out;
}

/** Bytes of a Z85 string; E_USAGE naming `what` for a bad length, character or 5-character group. */
export function z85Decode(text: string, what = 'z85 text'): Uint8Array {
  if (text.length % 5 !== 0) throw new DynpipeError('E_USAGE', `${what}: length ${text.length} is not a multiple of 5`);
  const out = new Uint8Array((text.length / 5) * 4);
  for (let i = 0; i < text.length; i += 5) {
    let v = 0;
    for (let k = 0; k < 5; k++) {
      const d = VALUE.get(text[i + k]);
      if (d === undefined) throw new DynpipeError('E_USAGE', `${what}: character ${JSON.stringify(text[i + k])} is not Z85`);
      v = v * 85 + d;
    }
    if (v > 0xffffffff) throw new DynpipeError('E_USAGE', `${what}: group '${text.slice(i, i + 5)}' is out of range`);
    const j = (i / 5) * 4;
    out[j] = v >>> 24;
    out[j + 1] = (v >>> 16) & 0xff;
    out[j + 2] = (v >>> 8) & 0xff;
    out[j + 3] = v & 0xff;
  }
  return out;
}
