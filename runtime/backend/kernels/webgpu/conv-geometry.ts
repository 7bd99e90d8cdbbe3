/**
 * The numbers of an NHWC 2-D convolution that our WGSL bakes in as constants, read from tfjs's
 * Conv2DInfo.
 *
 * Forward: y[b, oh, ow, co] = sum over (kh, kw, ci) of
 *   x[b, oh*strideH - top + kh*dilationH, ow*strideW - left + kw*dilationW, ci] * w[kh, kw, ci, co],
 * x being zero outside [0, inH) x [0, inW).
 */
import type { backend_util } from '@tensorflow/tfjs-core';

export interface ConvGeometry {
  readonly batch: number;
  readonly inH: number;
  readonly inW: number;
  readonly inC: number;
  readonly outH: number;
  readonly outW: number;
  readonly outC: number;
  readonly kH: number;
  readonly kW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly dilationH: number;
  readonly dilationW: number;
  readonly top: number;
  readonly left: number;
}

export function convGeometry(info: backend_util.Conv2DInfo): ConvGeometry {
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    kH: info.filterHeight,
    kW: info.filterWidth,
    strideH: info.strideHeight,
    strideW: info.strideWidth,
    dilationH: info.dilationHeight,
    dilationW: info.dilationWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
  };
}

/** Every field, in a fixed order: part of a pipeline cache key. */
export function geometryKey(g: ConvGeometry): string {
  return [g.batch, g.inH, g.inW, g.inC, g.outH, g.outW, g.outC, g.kH, g.kW, g.strideH, g.strideW, g.dilationH, g.dilationW, g.top, g.left].join('_');
}
