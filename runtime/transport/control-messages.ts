/**
 * The control-channel vocabulary between the coordinator and the ranks, one zod schema per message
 * type. On the wire a message is one msgpack frame `{v, type, ...fields}`. Pure: no sockets.
 *
 *   rank -> coordinator: register, stats, done, error, heartbeat   (each names its own rank)
 *                        checkpointed (its file of the checkpoint at a cut is written: coordinator/checkpoint-collector.ts)
 *   coordinator -> rank: peers, shutdown
 */
import { decode as msgpackDecode, encode as msgpackEncode } from '@msgpack/msgpack';
import { z } from 'zod';
import { DynpipeError, oneLine } from '../errors.js';
import { parseEndpoint } from './endpoints.js';

export const CONTROL_PROTOCOL_VERSION = 1;

/** Largest control frame accepted (stats records included). */
export const MAX_CONTROL_BYTES = 1 << 20;

const Rank = z.number().int().nonnegative().max(1_000_000);
const EndpointString = z
  .string()
  .max(300)
  .refine((s) => isEndpoint(s), { message: 'not an ipc:///PATH or tcp://HOST:PORT endpoint' });

export const RegisterSchema = z.strictObject({ type: z.literal('register'), rank: Rank, endpoint: EndpointString, host: z.string().min(1).max(255), pid: z.number().int().positive() });
export const PeersSchema = z.strictObject({ type: z.literal('peers'), endpoints: z.record(z.string().regex(/^(0|[1-9]\d{0,6})$/), EndpointString) });
export const StatsSchema = z.strictObject({ type: z.literal('stats'), rank: Rank, stats: z.record(z.string(), z.unknown()) });
export const DoneSchema = z.strictObject({ type: z.literal('done'), rank: Rank });
export const ErrorSchema = z.strictObject({ type: z.literal('error'), rank: Rank, message: z.string().max(4000) });
export const ShutdownSchema = z.strictObject({ type: z.literal('shutdown'), reason: z.string().max(1000) });
export const HeartbeatSchema = z.strictObject({ type: z.literal('heartbeat'), rank: Rank });
const Count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
export const CheckpointedSchema = z.strictObject({
  type: z.literal('checkpointed'), rank: Rank, cut: Count, planVersion: Count, weightVersion: Count,
  file: z.string().max(64), blocks: z.array(Count).min(1).max(1_000_000), bytes: Count, sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export const ControlMessageSchema = z.discriminatedUnion('type', [RegisterSchema, PeersSchema, StatsSchema, DoneSchema, ErrorSchema, ShutdownSchema, HeartbeatSchema, CheckpointedSchema]);

export type ControlMessage = z.infer<typeof ControlMessageSchema>;
export type ControlType = ControlMessage['type'];
export type ControlOf<T extends ControlType> = Extract<ControlMessage, { type: T }>;

/** Messages a rank sends; each carries the sender's rank, which must match its socket identity. */
export type RankMessage = ControlOf<'register' | 'stats' | 'done' | 'error' | 'heartbeat' | 'checkpointed'>;
/** Messages the coordinator sends. */
export type CoordinatorMessage = ControlOf<'peers' | 'shutdown'>;

export const RANK_MESSAGE_TYPES: readonly ControlType[] = ['register', 'stats', 'done', 'error', 'heartbeat', 'checkpointed'];
export const COORDINATOR_MESSAGE_TYPES: readonly ControlType[] = ['peers', 'shutdown'];


/** One frame for `message`; throws E_MESSAGE if it does not satisfy its schema. */
export function encodeControl(message: ControlMessage): Buffer {
  const checked = ControlMessageSchema.safeParse(message);
  if (!checked.success) throw new DynpipeError('E_MESSAGE', `cannot send control message: ${issueText(checked.error)}`);
  const encoded = msgpackEncode({ v: CONTROL_PROTOCOL_VERSION, ...checked.data });
  return Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
}

/** Parses and validates one control frame; throws DynpipeError('E_MESSAGE', what is wrong). */
export function decodeControl(frame: Buffer): ControlMessage {
  if (frame.byteLength > MAX_CONTROL_BYTES) throw bad(`control message of ${frame.byteLength} bytes exceeds ${MAX_CONTROL_BYTES}`);
  let raw: unknown;
  try {
    raw = msgpackDecode(frame);
  } catch (e) {
    throw bad(`control message is not msgpack (${(e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 80)})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('control message is not a map');
  const { v, ...body } = raw as Record<string, unknown>;
  if (v !== CONTROL_PROTOCOL_VERSION) throw bad(`control protocol version is ${String(v).slice(0, 20)}, expected ${CONTROL_PROTOCOL_VERSION}`);
  const parsed = ControlMessageSchema.safeParse(body);
  if (!parsed.success) throw bad(`control message ${typeof body.type === 'string' ? `'${body.type.slice(0, 20)}' ` : ''}is invalid: ${issueText(parsed.error)}`);
  return parsed.data;
}

function issueText(error: z.ZodError): string {
  const first = error.issues[0];
  const at = first.path.length > 0 ? `field '${first.path.join('.')}'` : 'message';
  return `${at}: ${first.message}`;
}

function isEndpoint(s: string): boolean {
  try {
    parseEndpoint(s);
    return true;
  } catch {
    return false;
  }
}

/** Quoted values come from the peer: the message is kept to one bounded line. */
function bad(message: string): DynpipeError {
  return new DynpipeError('E_MESSAGE', oneLine(message, 500));
}
