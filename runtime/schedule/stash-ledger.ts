/**
 * Bookkeeping of one stage's weight versions, replayed from its instruction stream: which versions
 * in-flight microbatches still reference, and the rules of weight stashing, checked as they bind:
 *
 *  - a forward uses the live weights, on a microbatch not already in flight;
 *  - a backward uses exactly the version its microbatch's forward used, and frees that stash;
 *  - `allreduce-grads` and `step` name the live version; a step moves it to version + 1.
 *
 * A break throws E_SCHEDULE naming the stage, microbatch and versions. Depths are reported after
 * every instruction: `maxInFlight` (activation stashes, one per microbatch in flight) and
 * `maxVersions` (distinct weight versions alive: the live one and every version still referenced).
 */
import { check } from '../errors.js';
import { dispatch, type Handlers, type Instruction, type Slot } from './instructions.js';

export class StashLedger {
  private liveVersion: number;
  /** Microbatch in flight -> the version its forward used. */
  private readonly stash = new Map<number, number>();
  /** Version -> how many in-flight microbatches reference it (only counts > 0 are kept). */
  private readonly references = new Map<number, number>();
  private maxInFlightSeen = 0;
  private maxVersionsSeen = 1;

  constructor(
    readonly stage: number,
    v0: number,
  ) {
    this.liveVersion = v0;
  }

  /** The version the next forward must use. */
  get live(): number {
    return this.liveVersion;
  }

  get inFlight(): number {
    return this.stash.size;
  }

  get maxInFlight(): number {
    return this.maxInFlightSeen;
  }

  get maxVersions(): number {
    return this.maxVersionsSeen;
  }

  /** Versions alive now, ascending: the live one and every one an in-flight microbatch references. */
  versions(): number[] {
    const versions = [...this.references.keys()];
    if (!this.references.has(this.liveVersion)) versions.push(this.liveVersion);
    return versions.sort((a, b) => a - b);
  }

  /** Applies one instruction (sends, receives and loads touch no weights). */
  apply(i: Instruction): void {
    dispatch(this.rules, i);
    this.maxInFlightSeen = Math.max(this.maxInFlightSeen, this.stash.size);
    const alive = this.references.size + (this.references.has(this.liveVersion) ? 0 : 1);
    this.maxVersionsSeen = Math.max(this.maxVersionsSeen, alive);
  }

  private readonly rules: Handlers<void> = {
    'load-input': () => {},
    'load-labels': () => {},
    'recv-act': () => {},
    'send-act': () => {},
    'recv-grad': () => {},
    'send-grad': () => {},
    forward: ({ mb, version }) => {
      check(!this.stash.has(mb), 'E_SCHEDULE', () => `stage ${this.stage}: forward of mb ${mb} while it is already in flight`);
      this.expectLive('forward of mb ' + mb, version);
      this.stash.set(mb, version);
      this.references.set(version, (this.references.get(version) ?? 0) + 1);
    },
    backward: ({ mb, version }) => {
      const stashed = this.stash.get(mb);
      check(stashed !== undefined, 'E_SCHEDULE', () => `stage ${this.stage}: backward of mb ${mb}, which is not in flight`);
      check(version === stashed, 'E_SCHEDULE', () => `stage ${this.stage}: backward of mb ${mb} uses v${version}, but its forward used v${stashed}`);
      this.stash.delete(mb);
      const left = (this.references.get(version) ?? 0) - 1;
      if (left > 0) this.references.set(version, left);
      else this.references.delete(version);
    },
    'allreduce-grads': ({ version }) => this.expectLive('allreduce-grads', version),
    step: ({ version }) => {
      this.expectLive('step', version);
      this.liveVersion += 1;
    },
  };

  private expectLive(what: string, version: number): void {
    check(version === this.liveVersion, 'E_SCHEDULE', () => `stage ${this.stage}: ${what} names v${version}, but the live weights are v${this.liveVersion}`);
  }
}

/** Replays a whole stage stream into a fresh ledger; throws E_SCHEDULE at the first broken rule. */
export function replayStash(stage: number, v0: number, slots: Iterable<Slot>): StashLedger {
  const ledger = new StashLedger(stage, v0);
  for (const slot of slots) for (const i of slot) ledger.apply(i);
  return ledger;
}
