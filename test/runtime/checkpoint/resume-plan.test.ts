/** Which plans may continue a checkpoint, and at which plan version. */
import { strict as assert } from 'node:assert';
import { checkResumable, resumedPlanVersion } from '../../../runtime/checkpoint/resume-plan.js';
import type { Manifest } from '../../../runtime/checkpoint/manifest.js';
import { validatePlan } from '../../../runtime/plan/plan.js';
import { dynpipeError } from '../transport/helpers.js';
import { PLAN_A, PLAN_B } from './helpers.js';

const M: Manifest = {
  cutMicrobatch: 8, weightVersion: 8, planVersion: 2, seed: 7, plan: PLAN_A,
  files: [0, 1, 2].map((rank) => ({ file: `rank-${rank}.tensors`, rank, blocks: rank === 0 ? [0] : [1, 2], bytes: 1, sha256: '0'.repeat(64) })),
};

const edited = (edit: (p: Record<string, any>) => void) => {
  const p = structuredClone(PLAN_B) as Record<string, any>;
  edit(p);
  return validatePlan(p);
};

describe('resuming under a plan', () => {
  it('keeps the plan version under the same plan and bumps it under another split', () => {
    assert.equal(resumedPlanVersion(M, PLAN_A), 2);
    assert.equal(resumedPlanVersion(M, PLAN_B), 3);
  });

  it('accepts another split, refuses another model, seed, microbatch size or optimizer', () => {
    assert.doesNotThrow(() => checkResumable(M, PLAN_B, 'c'));
    assert.throws(() => checkResumable(M, edited((p) => (p.model.name = 'tinycnn')), 'c'), dynpipeError('E_CHECKPOINT', /^c: the checkpoint has model mlp, the plan tinycnn$/));
    assert.throws(() => checkResumable(M, edited((p) => (p.model.args = { hidden: 8 })), 'c'), dynpipeError('E_CHECKPOINT', /model args \{\}, the plan \{"hidden":8\}/));
    assert.throws(() => checkResumable(M, edited((p) => (p.training.seed = 1)), 'c'), dynpipeError('E_CHECKPOINT', /training\.seed 7, the plan 1/));
    assert.throws(() => checkResumable(M, edited((p) => (p.microbatch_size = 2)), 'c'), dynpipeError('E_CHECKPOINT', /microbatch_size 4, the plan 2/));
    assert.throws(() => checkResumable(M, edited((p) => (p.training.optimizer = 'adam')), 'c'), dynpipeError('E_CHECKPOINT', /training\.optimizer momentum, the plan adam/));
  });
});
