/**
 * The one profile format: per-block costs of a model at one batch size on one backend, written by
 * `dynpipe profile` (measured or imported) and read by the planner and the predictor.
 *
 * Units and invariants (enforced by `validateProfile`, each failure names its field):
 *  - every time is milliseconds and every size is bytes for one whole minibatch of `batch_size`
 *    samples; `flops` is the block's forward FLOPs for that minibatch (0 = unknown).
 *  - `activation_bytes` is the block's output activation (what crosses a cut after the block).
 *  - all numbers are finite and >= 0 (a negative zero is read as 0, so print/parse round-trips).
 *  - `blocks` lists the model's blocks in order; there is at least one.
 *
 * `parseProfile(printProfile(p))` deep-equals `p` for every valid profile `p`.
 */
import { z } from 'zod';
import { parseJsonWith, printJson, validateWith } from '../runtime/json-format.js';
import type { BlockKind } from '../runtime/models/block.js';

const ArgValue = z.union([z.number(), z.string(), z.boolean()]);

/** A finite number >= 0; -0 becomes 0 so that JSON printing loses nothing. */
const NonNegative = z
  .number()
  .nonnegative()
  .transform((v) => (v === 0 ? 0 : v));

export const BLOCK_KINDS = ['conv', 'dense', 'attention', 'pool', 'embedding', 'norm', 'residual', 'head', 'other'] as const;

// BLOCK_KINDS is exactly the Block contract's BlockKind: this line stops compiling if they drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
true satisfies Same<(typeof BLOCK_KINDS)[number], BlockKind>;

export const ProfileBlockSchema = z.object({
  name: z.string().min(1),
  kind: z.enum(BLOCK_KINDS),
  forward_ms: NonNegative,
  backward_ms: NonNegative,
  activation_bytes: NonNegative,
  param_bytes: NonNegative,
  flops: NonNegative,
});

export const ProfileSchema = z.object({
  version: z.literal(1),
  model: z.object({ name: z.string().min(1), args: z.record(z.string(), ArgValue).default({}) }),
  batch_size: z.number().int().positive(),
  backend: z.string().min(1),
  device: z.string().min(1),
  /** ISO-8601 time the profile was taken (or imported). */
  date: z.iso.datetime({ offset: true }),
  source: z.enum(['measured', 'pipedream-import', 'analytic']),
  blocks: z.array(ProfileBlockSchema).min(1),
});

export type Profile = z.infer<typeof ProfileSchema>;
export type ProfileInput = z.input<typeof ProfileSchema>;
export type ProfileBlock = z.infer<typeof ProfileBlockSchema>;

/** Validates an object as a profile; throws E_PROFILE_PARSE as `source: field: problem`. */
export function validateProfile(value: unknown, source = 'profile'): Profile {
  return validateWith(ProfileSchema, value, 'E_PROFILE_PARSE', source);
}

export function parseProfile(text: string, source = 'profile'): Profile {
  return parseJsonWith(ProfileSchema, text, 'E_PROFILE_PARSE', source);
}

/** Stable, human-diffable JSON (one block per line group); the inverse of `parseProfile`. */
export function printProfile(profile: Profile): string {
  return printJson(profile);
}

/** Sum of forward + backward time over all blocks (ms per minibatch on one device). */
export function totalComputeMs(profile: Profile): number {
  return profile.blocks.reduce((s, b) => s + b.forward_ms + b.backward_ms, 0);
}
