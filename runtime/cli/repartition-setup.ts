/**
 * From `dynpipe launch` flags to the coordinator's plan-change settings: the policy of the mode
 * (controller for dynpipe and dynpipe-re, proportional rebalance for simple), where its block costs
 * come from (a profile, or calibrated from the run), scripted changes and the decision log.
 */
import { resolve } from 'node:path';
import { DynpipeError } from '../errors.js';
import { type Plan } from '../plan/plan.js';
import { buildModel } from '../models/zoo.js';
import { BYTES_PER_GB } from '../../partitioner/cost.js';
import { parseProfile } from '../../profile/format.js';
import { profileBlockCosts } from '../coordinator/block-costs.js';
import { RepartitionController } from '../coordinator/controller.js';
import { optimizerSlots } from '../coordinator/migration-cost.js';
import { type BlockCostSource, type DecisionRecord, PolicyRunner } from '../coordinator/policy-runner.js';
import { SimplePolicy } from '../coordinator/simple-policy.js';
import type { RepartitionPolicy } from '../coordinator/policy.js';
import type { Mode } from '../worker/worker.js';
import { checkReplaceable } from '../migration/plan-diff.js';
import { readPlanFile } from './plan-file.js';
import { readJson, readText } from './text-files.js';
import { SlowdownForest } from '../../predictor/forest.js';
import { forestPredictor } from '../coordinator/forest-predictor.js';

export interface PolicyFlags {
  window: number;
  warmupWindows: number;
  profile?: string;
  horizon?: number;
  confirmWindows: number;
  dwellMs: number;
  margin: number;
  noise: number;
  simpleThreshold: number;
  bandwidth: number;
  maxReplicas: number;
  objective: 'pipedream' | 'dynpipe';
  stalenessWeight: number;
  migrationCostMs?: number;
  /** A trained forest (dynpipe predictor train) predicting slowdowns; default: the measured ratio. */
  predictor?: string;
  /** false with --no-policy: only scripted and admin changes. */
  policy?: boolean;
}

/** The policy runner of `mode` (undefined for pipedream and with --no-policy). */
export function policyRunner(mode: Mode, f: PolicyFlags, plan: Plan, planVersion: number, numMinibatches: number, onDecision: (d: DecisionRecord) => void): PolicyRunner | undefined {
  if (mode === 'pipedream' || f.policy === false) return undefined;
  if (mode === 'simple' && f.predictor) throw new DynpipeError('E_USAGE', '--predictor: the simple mode uses no predictor (use --mode dynpipe or dynpipe-re)');
  const model = buildModel(plan.model.name, plan.model.args);
  const predict = f.predictor ? forestPredictor(SlowdownForest.fromJSON(readJson(f.predictor, (m) => new DynpipeError('E_PREDICTOR', m)), f.predictor), model) : undefined;
  const costs: BlockCostSource = f.profile
    ? { kind: 'fixed', blocks: profileBlockCosts(parseProfile(readText(f.profile), f.profile), model, plan.microbatch_size, f.profile) }
    : { kind: 'calibrate', model, warmupWindows: f.warmupWindows };
  const bandwidthBytesPerS = f.bandwidth * BYTES_PER_GB;
  const policy: RepartitionPolicy =
    mode === 'simple'
      ? new SimplePolicy({ threshold: f.simpleThreshold, dwellMs: f.dwellMs })
      : new RepartitionController({
          horizonIterations: f.horizon ?? numMinibatches,
          confirmWindows: f.confirmWindows,
          dwellMs: f.dwellMs,
          margin: f.margin,
          noise: f.noise,
          planner: {
            objective: f.objective === 'pipedream' ? { kind: 'pipedream' } : { kind: 'dynpipe', stalenessWeight: f.stalenessWeight },
            bandwidthBytesPerS,
            maxReplicas: f.maxReplicas,
          },
          cost: { fixedMs: f.migrationCostMs ?? (mode === 'dynpipe-re' ? 5000 : 50), bandwidthBytesPerS, optimizerSlots: optimizerSlots(plan.training.optimizer) },
        }, predict);
  return new PolicyRunner({ policy, windowMicrobatches: f.window, costs, plan, planVersion, totalIterations: numMinibatches, onDecision });
}

/** Parses repeated `--change-at <mb>:<plan.json>` values into scripted changes, in microbatch order. */
export async function scriptedChanges(values: readonly string[], current: Plan): Promise<Array<{ atMicrobatch: number; plan: Plan }>> {
  const out: Array<{ atMicrobatch: number; plan: Plan }> = [];
  for (const v of values) {
    const m = /^(\d+):(.+)$/.exec(v);
    if (!m) throw new DynpipeError('E_USAGE', `--change-at '${v}' is not <microbatch>:<plan.json>`);
    const plan = await readPlanFile(resolve(m[2]));
    checkReplaceable(current, plan, m[2]);
    out.push({ atMicrobatch: Number(m[1]), plan });
  }
  return out.sort((a, b) => a.atMicrobatch - b.atMicrobatch);
}
