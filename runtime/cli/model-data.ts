/**
 * Shared CLI glue between a dataset and a model: fills the model's input-geometry arguments from
 * the dataset unless the user set them, and checks that the two fit together.
 */
import { buildModel } from '../models/zoo.js';
import { parseArgList, type ArgValue } from '../models/args.js';
import type { ModelSpec } from '../models/block.js';
import type { Dataset } from '../data/dataset.js';
import { DynpipeError } from '../errors.js';

/** Argument values a dataset implies, under the names the zoo's models use. */
export function datasetImpliedArgs(ds: Dataset): Record<string, ArgValue> {
  if (ds.inputDtype === 'int32') {
    return { seqLen: ds.inputShape[0], vocabSize: ds.numClasses };
  }
  const [h, w, c] = ds.inputShape.length === 3 ? ds.inputShape : [ds.inputShape[0], 1, 1];
  return { inputHeight: h, inputWidth: w, inputChannels: c, numClasses: ds.numClasses };
}

export function parseModelArgs(text: string | undefined): Record<string, ArgValue> {
  return text ? parseArgList(text) : {};
}

/** Builds `name` for `ds`: user args win; implied args fill only keys the model declares. */
export function buildModelForDataset(name: string, userArgs: Record<string, ArgValue>, ds: Dataset): ModelSpec {
  const declared = new Set(Object.keys(buildModel(name).args));
  const args: Record<string, ArgValue> = {};
  for (const [k, v] of Object.entries(datasetImpliedArgs(ds))) if (declared.has(k)) args[k] = v;
  Object.assign(args, userArgs);
  const model = buildModel(name, args);
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
  if (!same(model.inputShape, ds.inputShape) || model.inputDtype !== ds.inputDtype) {
    throw new DynpipeError(
      'E_MODEL',
      `model ${name} takes ${model.inputDtype}[${model.inputShape}] but dataset ${ds.name} gives ${ds.inputDtype}[${ds.inputShape}]`,
    );
  }
  if (!same(model.labelShape, ds.labelShape)) {
    throw new DynpipeError('E_MODEL', `model ${name} expects labels [${model.labelShape}] but dataset ${ds.name} has [${ds.labelShape}]`);
  }
  return model;
}
