/** Schedule options: what the caller passes, and the validated, defaulted form schedules read. */
import { check } from '../errors.js';

export type ScheduleKind = '1f1b' | 'gpipe';

export interface ScheduleOptions {
  /** Pipeline depth p >= 1. */
  readonly stages: number;
  /** This stage, 0 <= stage < stages. */
  readonly stage: number;
  /** Microbatches in this window, >= 1: the window is [first, first + microbatches) and ends drained. */
  readonly microbatches: number;
  /** Global index of the window's first microbatch (default 0). */
  readonly first?: number;
  /** Weight version this stage holds when the window starts (default 0). */
  readonly v0?: number;
  /** 1f1b: microbatches admitted before stage 0's first backward, >= 1 (default `stages`). Ignored by gpipe. */
  readonly inFlight?: number;
  /** gpipe: microbatches per flush (one optimizer step each), >= 1 (default: the whole window). Ignored by 1f1b, which steps after every backward. */
  readonly microbatchesPerStep?: number;
  /** True when this stage has several replicas: each step is preceded by `allreduce-grads` (default false). */
  readonly replicated?: boolean;
}

/** `ScheduleOptions` validated and with every default filled in. */
export interface ScheduleConfig {
  readonly stages: number;
  readonly stage: number;
  readonly microbatches: number;
  readonly first: number;
  readonly v0: number;
  readonly inFlight: number;
  readonly microbatchesPerStep: number;
  readonly replicated: boolean;
}

function integer(value: number, field: string, min: number): number {
  check(Number.isSafeInteger(value) && value >= min, 'E_SCHEDULE', () => `schedule: ${field} must be an integer >= ${min}, got ${value}`);
  return value;
}

/** Validates `opts` (E_SCHEDULE naming the field) and fills defaults. */
export function resolveOptions(opts: ScheduleOptions): ScheduleConfig {
  const stages = integer(opts.stages, 'stages', 1);
  const stage = integer(opts.stage, 'stage', 0);
  check(stage < stages, 'E_SCHEDULE', () => `schedule: stage ${stage} is out of range for ${stages} stages`);
  const microbatches = integer(opts.microbatches, 'microbatches', 1);
  return {
    stages,
    stage,
    microbatches,
    first: integer(opts.first ?? 0, 'first', 0),
    v0: integer(opts.v0 ?? 0, 'v0', 0),
    inFlight: integer(opts.inFlight ?? stages, 'inFlight', 1),
    microbatchesPerStep: integer(opts.microbatchesPerStep ?? microbatches, 'microbatchesPerStep', 1),
    replicated: opts.replicated ?? false,
  };
}
