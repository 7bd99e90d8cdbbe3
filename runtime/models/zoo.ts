/**
 * STUB so that `dynpipe profile --model` compiles before the model zoo merges; the zoo's real
 * `runtime/models/zoo.ts` replaces this file wholesale.
 */
import { DynpipeError } from '../errors.js';
import type { ModelSpec } from './block.js';

export function modelNames(): string[] {
  return [];
}

export function buildModel(name: string, _args: Readonly<Record<string, number | string | boolean>> = {}): ModelSpec {
  throw new DynpipeError('E_MODEL', `unknown model '${name}': the model zoo is not merged into this build yet`);
}
