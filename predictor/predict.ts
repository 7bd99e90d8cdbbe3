/**
 * The call the coordinator makes: "if blocks [start, end) of `spec` ran at `batchSize` on a device
 * that currently looks like `device`, how much slower than alone would they run?" Only the static
 * features change between candidate ranges; `device` is what that device reported last window.
 */
import type { ModelSpec } from '../runtime/models/block.js';
import { staticFeatures, type DeviceFeatures } from './features.js';
import type { SlowdownForest } from './forest.js';

/** Predicted slowdown factor (interfered / alone) of the range on that device. */
export function predictRangeSlowdown(model: SlowdownForest, spec: ModelSpec, start: number, end: number, batchSize: number, device: DeviceFeatures): number {
  return model.predictOne(staticFeatures(spec, start, end, batchSize), device);
}

/** Predicted step time of the range on that device, from its profiled alone time. */
export function predictRangeMs(
  model: SlowdownForest,
  spec: ModelSpec,
  start: number,
  end: number,
  batchSize: number,
  device: DeviceFeatures,
  aloneMs: number,
): number {
  return aloneMs * predictRangeSlowdown(model, spec, start, end, batchSize, device);
}
