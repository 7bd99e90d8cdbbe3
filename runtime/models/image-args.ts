/** The input-geometry arguments every image model shares, so one model serves several datasets. */
import type { ArgSpecs } from './args.js';

export function imageArgSpecs(height: number, width: number, channels: number, classes: number) {
  return {
    inputHeight: { kind: 'int', default: height, min: 1 },
    inputWidth: { kind: 'int', default: width, min: 1 },
    inputChannels: { kind: 'int', default: channels, min: 1 },
    numClasses: { kind: 'int', default: classes, min: 2 },
  } as const satisfies ArgSpecs;
}

/** Channels after a width multiplier: rounded, never below 1. */
export function scaled(channels: number, width: number): number {
  return Math.max(1, Math.round(channels * width));
}
