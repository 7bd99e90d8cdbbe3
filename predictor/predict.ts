/**
 * The call the coordinator makes: "if blocks [start, end) of `spec` ran at `batchSize` on a device
 * that currently looks like `device`, how much slower than alone would they run?" Only the static
 * features change between candidate ranges; `device` is what that device reported last window, and
 * `aloneMs` is the range's step time in that device's profile (the sum over its blocks).
 */
import type { ModelSpec } from '../runtime/models/block.js';
import type { Profile } from '../profile/format.js';
import { DynpipeError } from '../runtime/errors.js';
import { staticFeatures, type DeviceFeatures } from './features.js';
import type { SlowdownForest } from './forest.js';

/** Predicted slowdown factor (interfered / alone) of the range on that device. */
export function predictRangeSlowdown(model: SlowdownForest, spec: ModelSpec, start: number, end: number, batchSize: number, aloneMs: number, device: DeviceFeatures): number {
  return model.predictOne(staticFeatures(spec, start, end, batchSize, aloneMs), device);
}

/** Predicted step time (ms per microbatch) of the range on that device: its profiled time x the slowdown. */
export function predictRangeMs(model: SlowdownForest, spec: ModelSpec, start: number, end: number, batchSize: number, aloneMs: number, device: DeviceFeatures): number {
  return aloneMs * predictRangeSlowdown(model, spec, start, end, batchSize, aloneMs, device);
}

/**
 * The profiled step time (forward + backward, ms per minibatch of the profile's batch size) of
 * blocks [start, end) of `spec`; E_PREDICTOR when the profile is of another model, block count or
 * batch size, since its times would then not describe this range.
 */
export function profiledRangeMs(profile: Profile, spec: ModelSpec, start: number, end: number, batchSize: number, where = 'profile'): number {
  if (profile.model.name !== spec.name || profile.blocks.length !== spec.blocks.length) {
    throw new DynpipeError('E_PREDICTOR', `${where}: profiles ${profile.model.name} with ${profile.blocks.length} blocks, not ${spec.name} with ${spec.blocks.length}`);
  }
  if (profile.batch_size !== batchSize) throw new DynpipeError('E_PREDICTOR', `${where}: batch_size is ${profile.batch_size}, the range runs at ${batchSize}`);
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start < end && end <= spec.blocks.length)) {
    throw new DynpipeError('E_PREDICTOR', `block range [${start}, ${end}) is not inside ${spec.name}'s ${spec.blocks.length} blocks`);
  }
  return profile.blocks.slice(start, end).reduce((s, b) => s + b.forward_ms + b.backward_ms, 0);
}
