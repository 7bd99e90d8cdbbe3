/**
 * DepthwiseConv2dNativeBackpropInput for wasm (tfjs-backend-wasm has none): the cpu kernel on
 * read-back values. Depthwise convolutions are absent from the models we train (VGG, ResNet,
 * BERT), so correctness is enough here; see cpu-fallback.ts.
 */
import { DepthwiseConv2dNativeBackpropInput, type KernelConfig } from '@tensorflow/tfjs-core';
import { cpuFallback } from '../cpu-fallback.js';

export const depthwiseConv2dNativeBackpropInputConfig: KernelConfig = cpuFallback(DepthwiseConv2dNativeBackpropInput, 'wasm');
