/**
 * Resolves a model name to its `ModelSpec` through the model zoo (runtime/models/zoo.ts).
 *
 * TODO(lead): the zoo is written in parallel and is not in this branch yet; once merged, replace
 * the dynamic import below with `import { buildModel } from '../runtime/models/zoo.js'`. Until
 * then the import resolves at run time, so this file compiles either way and works after the merge.
 */
import type { ModelSpec } from '../runtime/models/block.js';
import { DynpipeError } from '../runtime/errors.js';

type BuildModel = (name: string, args?: Readonly<Record<string, number | string | boolean>>) => ModelSpec;

const ZOO = '../runtime/models/zoo.js';

export async function loadModel(name: string, args: Readonly<Record<string, number | string | boolean>> = {}): Promise<ModelSpec> {
  let zoo: { buildModel?: BuildModel };
  try {
    zoo = (await import(ZOO)) as { buildModel?: BuildModel };
  } catch (e) {
    throw new DynpipeError('E_MODEL', `cannot load model '${name}': the model zoo (runtime/models/zoo.js) is not in this build`, { cause: e });
  }
  if (typeof zoo.buildModel !== 'function') throw new DynpipeError('E_MODEL', 'runtime/models/zoo.js does not export buildModel');
  return zoo.buildModel(name, args);
}
