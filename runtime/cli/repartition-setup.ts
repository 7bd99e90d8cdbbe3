/**
 * The plan-change flags shared by `dynpipe launch` and `dynpipe coordinator`, and from them the
 * coordinator's settings: the policy of the mode (controller for dynpipe and dynpipe-re,
 * proportional rebalance for simple), where its block costs come from (a profile, or calibrated
 * from the run), scripted changes and the decision log.
 */
import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import type { PlanChanges } from '../coordinator/coordinator.js';
import { openDecisionLog } from './decision-log.js';
import { floatOption, intOption } from './options.js';
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
  mode: Mode;
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
  decisionLog?: string;
  /** The command's own --checkpoint-dir (dynpipe-re needs it). */
  checkpointDir?: string;
  changeAt: string[];
  migrationTimeoutMs: number;
}

/** Adds --mode and every flag of plan changes to `cmd` (each command adds its own --checkpoint-dir). */
export function addRepartitionOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--mode <mode>', 'pipedream: static plan; simple: proportional rebalance; dynpipe-re: predictor + planner, checkpoint and restart; dynpipe: predictor + planner, live migration (ranks need the same --mode)').choices(['pipedream', 'simple', 'dynpipe-re', 'dynpipe']).default('pipedream'))
    .option('--window <microbatches>', 'microbatches per decision window', intOption(1), 20)
    .option('--warmup-windows <n>', 'windows skipped before calibrating block costs (without --profile)', intOption(0), 1)
    .option('--profile <profile.json>', 'block costs for the planner (default: calibrated from the run, least estimate per block)')
    .option('--predictor <forest.json>', 'slowdowns from this trained random forest (dynpipe predictor), with host counters the ranks report each window (default: measured compute / block costs)')
    .option('--horizon <iterations>', 'iterations a predicted gain is counted for at most (default: the rest of the job)', intOption(1))
    .option('--confirm-windows <n>', 'consecutive windows a better plan must pay before it is applied', intOption(1), 2)
    .option('--dwell-ms <ms>', 'minimum time between two plan changes', intOption(0), 5000)
    .option('--margin <x>', 'benefit must exceed migration cost x (1 + margin)', floatOption(0), 0.2)
    .option('--noise <x>', 'relative noise of time estimates: predicted gains below this fraction of the iteration time count as none', floatOption(0, 0.99), 0.05)
    .option('--simple-threshold <x>', 'simple mode: rebalance when a rank is this much slower than its baseline (0.25 = 25 %)', floatOption(0.001), 0.25)
    .option('--bandwidth <GB/s>', 'link bandwidth the planner and the migration cost assume', floatOption(1e-6), 1)
    .option('--max-replicas <n>', 'replicas per stage the planner may use', intOption(1), 1)
    .addOption(new Option('--objective <kind>', 'planner objective').choices(['pipedream', 'dynpipe']).default('dynpipe'))
    .option('--staleness-weight <w>', 'dynpipe objective: price of weight staleness', floatOption(0), 0)
    .option('--migration-cost-ms <ms>', 'fixed cost of a plan change until one was measured (default 50 live, 5000 restart)', floatOption(0))
    .option('--no-policy', 'never repartition on its own (only --change-at and dynpipe repartition)')
    .option('--decision-log <file.csv>', 'one CSV row per decision window, with the numbers behind it')
    .option('--change-at <mb:plan.json>', 'change to plan.json at microbatch mb (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--migration-timeout-ms <ms>', 'deadline of every phase of a plan change', intOption(1), 60_000);
}

/** Checks the flags that depend on each other; E_USAGE naming them. */
export function checkRepartitionFlags(f: PolicyFlags): void {
  if (f.mode === 'dynpipe-re' && !f.checkpointDir) throw new DynpipeError('E_USAGE', '--mode dynpipe-re needs --checkpoint-dir (where the restart checkpoints go)');
  if (f.changeAt.length > 0 && f.mode === 'pipedream') throw new DynpipeError('E_USAGE', '--change-at needs a mode that can change plans (--mode simple, dynpipe or dynpipe-re)');
}

/**
 * The coordinator's plan-change settings (without kind and restart, which the caller knows);
 * `onDecision` also hears every decision (the dashboard shows them).
 */
export async function planChangesFrom(f: PolicyFlags, plan: Plan, planVersion: number, numMinibatches: number, onDecision?: (d: DecisionRecord) => void): Promise<Omit<PlanChanges, 'kind' | 'restart'>> {
  const decisionLog = f.decisionLog ? openDecisionLog(resolve(f.decisionLog)) : undefined;
  return {
    policy: policyRunner(f.mode, f, plan, planVersion, numMinibatches, (d) => {
      decisionLog?.(d);
      onDecision?.(d);
    }),
    scripted: await scriptedChanges(f.changeAt, plan),
    timeoutMs: f.migrationTimeoutMs,
  };
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
