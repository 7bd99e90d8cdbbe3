/**
 * The simulator's side of the repartitioning contract, which is the coordinator's
 * (runtime/coordinator/policy.ts): once per window the simulator hands the policy what the ranks
 * measured and gets a decision back. The coordinator's own policies (the controller of the dynpipe
 * modes, the simple policy) plug in unchanged (modes.ts); a test or a study may pass any other
 * object with the same two methods.
 */
import { type Decision, type RepartitionPolicy, noDecision } from '../coordinator/policy.js';

export type { Decision, PolicyInput, RepartitionPolicy } from '../coordinator/policy.js';
export type { RankWindow } from '../coordinator/rank-stats.js';

/** PipeDream's static plan: never repartition. */
export class NeverPolicy implements RepartitionPolicy {
  decide(): Decision {
    return noDecision('static plan (pipedream mode)', { slowdowns: [] });
  }

  applied(): void {}
}
