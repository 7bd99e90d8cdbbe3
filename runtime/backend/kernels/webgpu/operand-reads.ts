/** WGSL snippets for reading tensor buffers in our programs. */

/**
 * A WGSL read of `buffer` at element index `index` as f32 (the vec4 holding it when `width` is 4,
 * index a multiple of 4). The conversion matters: tfjs casts int32 and bool to float32 without
 * touching the data, so a float32 tensor may sit in an i32 buffer, which tfjs binds as i32.
 */
export function readAt(buffer: string, index: string, width: 1 | 4): string {
  return width === 4 ? `vec4<f32>(${buffer}[(${index}) / 4])` : `f32(${buffer}[${index}])`;
}

/** 4 when `extent` is a multiple of 4 (vec4 loads along it stay whole), else 1. */
export function vectorWidth(extent: number): 1 | 4 {
  return extent % 4 === 0 ? 4 : 1;
}
