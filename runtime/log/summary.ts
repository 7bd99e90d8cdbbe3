/**
 * The experiment summary, `summary.json` beside the rank logs of one run: what the figures and
 * reports quote. Every number in it is derived from the rank logs by ./summarize.ts, so a summary
 * never says more than the rows do. `parseSummary(printSummary(s))` deep-equals `s`.
 */
import { z } from 'zod';
import { parseJsonWith, printJson, validateWith } from '../json-format.js';
import { InterferenceLevelSchema } from './rank-log.js';

export const SUMMARY_FILE_NAME = 'summary.json';

const ms = () => z.number().nonnegative();
const partition = () => z.array(z.int().positive()).min(1);

export const RankBusySchema = z.strictObject({
  rank: z.int().nonnegative(),
  /** Stage of the rank's last step row. */
  stage: z.int().nonnegative(),
  /** (forward + backward + optimizer) / wall time between the rank's first and last step rows. */
  busy_fraction: z.number().nonnegative(),
});

export const RepartitionSummarySchema = z.strictObject({
  /** The plan version the job moved to. */
  plan_version: z.int().nonnegative(),
  /** When the first rank paused. */
  time_ms: ms(),
  /** The longest pause of any rank: how long the pipeline stood still. */
  pause_ms: ms(),
  old_partition: partition(),
  new_partition: partition(),
});

export const InterferenceWindowSchema = z.strictObject({
  rank: z.int().nonnegative(),
  stage: z.int().nonnegative(),
  level: InterferenceLevelSchema,
  start_ms: ms(),
  end_ms: ms(),
  predicted_slowdown: z.number().positive().nullable(),
  /** Mean compute time of the rank's steps inside the window over that before it, same plan; null if either side has no step. */
  measured_slowdown: z.number().positive().nullable(),
});

export const SummarySchema = z.strictObject({
  version: z.literal(1),
  /** How the job was run, e.g. 'dynpipe', 'pipedream' (static plan), 'gpipe'. */
  mode: z.string().min(1),
  model: z.string().min(1),
  microbatch_size: z.int().positive(),
  /** Time of the last logged row. */
  duration_ms: ms(),
  /** Microbatches completed by the last stage after its first, times microbatch_size, per second; null below two. */
  throughput_samples_per_s: z.number().nonnegative().nullable(),
  busy: z.array(RankBusySchema),
  repartitions: z.array(RepartitionSummarySchema),
  time_to_accuracy: z.strictObject({ target_accuracy: z.number().min(0).max(1), time_ms: ms().nullable() }).nullable(),
  interference: z.array(InterferenceWindowSchema),
});

export type RankBusy = z.infer<typeof RankBusySchema>;
export type RepartitionSummary = z.infer<typeof RepartitionSummarySchema>;
export type InterferenceWindow = z.infer<typeof InterferenceWindowSchema>;
export type Summary = z.infer<typeof SummarySchema>;

/** Validates an object as a summary; throws E_LOG_PARSE naming `source` and the field. */
export function validateSummary(value: unknown, source = 'summary'): Summary {
  return validateWith(SummarySchema, value, 'E_LOG_PARSE', source);
}

export function parseSummary(text: string, source = 'summary'): Summary {
  return parseJsonWith(SummarySchema, text, 'E_LOG_PARSE', source);
}

/** Stable, human-diffable JSON. */
export function printSummary(summary: Summary): string {
  return printJson(summary);
}
