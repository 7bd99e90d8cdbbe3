/**
 * The control-channel vocabulary between the coordinator and the ranks, one zod schema per message
 * type. On the wire a message is one msgpack frame `{v, type, ...fields}`. Pure: no sockets.
 *
 *   rank -> coordinator: register, stats, done, error, heartbeat   (each names its own rank)
 *                        checkpointed (its file of a periodic checkpoint is written: coordinator/checkpoint-collector.ts)
 *   coordinator -> rank: peers, shutdown
 *   repartition (runtime/migration): coordinator -> rank repartition, cut, proceed;
 *                                    rank -> coordinator hold, drained, migrated
 *   admin client (dynpipe repartition) -> coordinator: admin-repartition; coordinator -> admin: admin-reply
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

const RankKey = z.string().regex(/^(0|[1-9]\d{0,6})$/);
/** Which kernel and network namespace a rank runs in (launch/host-id.ts); '' = unknown. */
const HostIdSchema = z.strictObject({ hostname: z.string().max(255), bootId: z.string().max(64), netns: z.string().max(64) });
/** What ranks on the same host may dial instead of `endpoint`, and where a rank runs. */
const HostEntrySchema = z.strictObject({ hostId: HostIdSchema, ipcEndpoint: EndpointString.optional() });

/**
 * `endpoint` is where every rank may dial this one (tcp, or ipc when the rank bound ipc only);
 * `ipcEndpoint` is a second address of the same socket for ranks on the same host (`hostId`).
 */
export const RegisterSchema = z.strictObject({
  type: z.literal('register'), rank: Rank, endpoint: EndpointString, host: z.string().min(1).max(255), pid: z.number().int().positive(),
  ipcEndpoint: EndpointString.optional(), hostId: HostIdSchema.optional(),
});
/** `hosts` repeats each rank's hostId and ipcEndpoint (for ranks that sent a hostId). */
export const PeersSchema = z.strictObject({ type: z.literal('peers'), endpoints: z.record(RankKey, EndpointString), hosts: z.record(RankKey, HostEntrySchema).optional() });
export const StatsSchema = z.strictObject({ type: z.literal('stats'), rank: Rank, stats: z.record(z.string(), z.unknown()) });
export const DoneSchema = z.strictObject({ type: z.literal('done'), rank: Rank });
export const ErrorSchema = z.strictObject({ type: z.literal('error'), rank: Rank, message: z.string().max(4000) });
export const ShutdownSchema = z.strictObject({ type: z.literal('shutdown'), reason: z.string().max(1000) });
export const HeartbeatSchema = z.strictObject({ type: z.literal('heartbeat'), rank: Rank });
const Count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** A rank's file of a checkpoint set, as the set's manifest will record it (checkpoint/manifest.ts). */
const RankFileFields = {
  file: z.string().max(64), blocks: z.array(Count).min(1).max(1_000_000), bytes: Count, sha256: z.string().regex(/^[0-9a-f]{64}$/),
};
export const CheckpointedSchema = z.strictObject({
  type: z.literal('checkpointed'), rank: Rank, cut: Count, planVersion: Count, weightVersion: Count, ...RankFileFields,
});

const PlanVersion = z.number().int().positive().max(1_000_000_000);
const Microbatch = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** A plan travels as a JSON object; the receiver validates it with runtime/plan/plan.ts. */
const PlanObject = z.record(z.string(), z.unknown());

/** Start of a plan change: hold before forwarding microbatch max(next + slack, minCut) and report (hold). */
export const RepartitionSchema = z.strictObject({ type: z.literal('repartition'), planVersion: PlanVersion, plan: PlanObject, minCut: Microbatch, slack: Microbatch });
/** The agreed cut microbatch (null: cancelled, keep going); with `barrier`, migrate only after proceed 'migrate'. */
export const CutSchema = z.strictObject({ type: z.literal('cut'), planVersion: PlanVersion, cutAt: Microbatch.nullable(), barrier: z.boolean() });
/** Go on past a barrier: migrate (after the checkpoint), resume (everyone migrated), exit (restart). */
export const ProceedSchema = z.strictObject({ type: z.literal('proceed'), planVersion: PlanVersion, action: z.enum(['migrate', 'resume', 'exit']) });
/** A rank's answer to repartition: the first microbatch it has not forwarded, and where it holds. */
export const HoldSchema = z.strictObject({ type: z.literal('hold'), rank: Rank, planVersion: PlanVersion, next: Microbatch, holdAt: Microbatch });
/** A rank finished the old plan's window at the cut; `checkpoint` is its file of the cut's set, if it wrote one. */
export const DrainedSchema = z.strictObject({
  type: z.literal('drained'), rank: Rank, planVersion: PlanVersion, drainedAtMs: z.number().nonnegative(), weightVersion: Microbatch,
  checkpoint: z.strictObject(RankFileFields).nullable(),
});
/** A rank holds exactly its blocks of the new plan. */
export const MigratedSchema = z.strictObject({ type: z.literal('migrated'), rank: Rank, planVersion: PlanVersion, sentBytes: z.number().nonnegative(), receivedBytes: z.number().nonnegative(), migrateMs: z.number().nonnegative() });
export const AdminRepartitionSchema = z.strictObject({ type: z.literal('admin-repartition'), plan: PlanObject });
export const AdminReplySchema = z.strictObject({ type: z.literal('admin-reply'), ok: z.boolean(), message: z.string().max(2000) });

export const ControlMessageSchema = z.discriminatedUnion('type', [
  RegisterSchema, PeersSchema, StatsSchema, DoneSchema, ErrorSchema, ShutdownSchema, HeartbeatSchema, CheckpointedSchema,
  RepartitionSchema, CutSchema, ProceedSchema, HoldSchema, DrainedSchema, MigratedSchema, AdminRepartitionSchema, AdminReplySchema,
]);

export type ControlMessage = z.infer<typeof ControlMessageSchema>;
export type HostEntry = z.infer<typeof HostEntrySchema>;
export type ControlType = ControlMessage['type'];
export type ControlOf<T extends ControlType> = Extract<ControlMessage, { type: T }>;

/** Messages a rank sends; each carries the sender's rank, which must match its socket identity. */
export type RankMessage = ControlOf<'register' | 'stats' | 'done' | 'error' | 'heartbeat' | 'checkpointed' | 'hold' | 'drained' | 'migrated'>;
/** Messages the coordinator sends to ranks. */
export type CoordinatorMessage = ControlOf<'peers' | 'shutdown' | 'repartition' | 'cut' | 'proceed'>;
/** Messages an admin client sends, and the coordinator's answer to it. */
export type AdminMessage = ControlOf<'admin-repartition'>;
export type AdminReply = ControlOf<'admin-reply'>;

export const RANK_MESSAGE_TYPES: readonly ControlType[] = ['register', 'stats', 'done', 'error', 'heartbeat', 'checkpointed', 'hold', 'drained', 'migrated'];
export const COORDINATOR_MESSAGE_TYPES: readonly ControlType[] = ['peers', 'shutdown', 'repartition', 'cut', 'proceed'];
export const ADMIN_MESSAGE_TYPES: readonly ControlType[] = ['admin-repartition'];

/** Routing identity of an admin client: `admin-` and 1-16 of [a-z0-9]; never a rank number. */
export const ADMIN_IDENTITY = /^admin-[a-z0-9]{1,16}$/;


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
