/**
 * Which plans may continue a checkpoint, and at which plan version. Pure.
 *
 * A job may resume under another plan of the same model (another split, another rank count: the
 * blocks are re-sliced), but not with another model, seed, microbatch size or optimizer kind: the
 * saved state or the data position would mean something else. The resumed job runs at the set's
 * plan version if its plan is the set's plan, else at the next version, so the sets it writes never
 * share a directory with sets of the old plan.
 */
import { DynpipeError } from '../errors.js';
import { type Plan, printPlan } from '../plan/plan.js';
import type { Manifest } from './manifest.js';

/** Throws E_CHECKPOINT (prefixed by `source`) naming the first field of `plan` that cannot continue `m`. */
export function checkResumable(m: Manifest, plan: Plan, source: string): void {
  const was = m.plan;
  const differ = (field: string, a: unknown, b: unknown) => new DynpipeError('E_CHECKPOINT', `${source}: the checkpoint has ${field} ${a}, the plan ${b}`);
  if (was.model.name !== plan.model.name) throw differ('model', was.model.name, plan.model.name);
  if (JSON.stringify(was.model.args) !== JSON.stringify(plan.model.args)) throw differ('model args', JSON.stringify(was.model.args), JSON.stringify(plan.model.args));
  if (was.num_blocks !== plan.num_blocks) throw differ('num_blocks', was.num_blocks, plan.num_blocks);
  if (m.seed !== plan.training.seed) throw differ('training.seed', m.seed, plan.training.seed);
  if (was.microbatch_size !== plan.microbatch_size) throw differ('microbatch_size', was.microbatch_size, plan.microbatch_size);
  if (was.training.optimizer !== plan.training.optimizer) throw differ('training.optimizer', was.training.optimizer, plan.training.optimizer);
}

/** The plan version of a job resumed from `m` under `plan`. */
export function resumedPlanVersion(m: Manifest, plan: Plan): number {
  return printPlan(m.plan) === printPlan(plan) ? m.planVersion : m.planVersion + 1;
}
