/**
 * The model zoo: every partitionable model by name. A model is rebuilt from (name, args) alone,
 * so a plan file's `model` entry is enough for any rank to build the same blocks.
 */
import type { ModelSpec } from './block.js';
import type { ArgValue } from './args.js';
import { DynpipeError } from '../errors.js';
import { buildMlp } from './mlp.js';
import { buildTinyCnn } from './tinycnn.js';
import { buildVgg16 } from './vgg16.js';
import { buildResnet50 } from './resnet50.js';
import { buildBert } from './bert.js';

type Builder = (args?: Readonly<Record<string, ArgValue>>) => ModelSpec;

const BUILDERS: Readonly<Record<string, Builder>> = {
  mlp: buildMlp,
  tinycnn: buildTinyCnn,
  vgg16: buildVgg16,
  resnet50: buildResnet50,
  bert: buildBert,
};

export function modelNames(): string[] {
  return Object.keys(BUILDERS);
}

/** Builds `name` with `args` (defaults filled in); E_MODEL on an unknown model or a bad argument. */
export function buildModel(name: string, args?: Readonly<Record<string, ArgValue>>): ModelSpec {
  if (!Object.hasOwn(BUILDERS, name)) {
    throw new DynpipeError('E_MODEL', `unknown model '${name}' (known: ${modelNames().join(', ')})`);
  }
  return BUILDERS[name](args);
}
