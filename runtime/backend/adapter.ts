/**
 * What we know about a WebGPU adapter, and whether it is a GPU at all. Dawn happily offers
 * CPU rasterisers (Mesa's llvmpipe/lavapipe, SwiftShader, Windows WARP) as adapters; on those
 * the webgpu backend is correct but far slower than wasm, so `auto` must not pick them.
 */

/** The adapter fields we report (GPUAdapterInfo, plus isFallbackAdapter wherever Dawn puts it). */
export interface AdapterSummary {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  readonly isFallbackAdapter: boolean;
}

const SOFTWARE_RENDERERS: ReadonlyArray<[name: string, pattern: RegExp]> = [
  ['llvmpipe', /\bllvmpipe\b/i],
  ['lavapipe', /\blavapipe\b/i],
  ['softpipe', /\bsoftpipe\b/i],
  ['SwiftShader', /\bswiftshader\b/i],
  ['WARP', /\bmicrosoft basic render\b|\bwarp\b/i],
];

/**
 * The name of the CPU implementation behind `adapter` ('llvmpipe', 'SwiftShader', ...), or null
 * when it looks like a real GPU. A fallback adapter, or one whose architecture is 'software' or
 * 'cpu', counts as CPU even when its name is unknown to us.
 */
export function softwareRenderer(adapter: AdapterSummary): string | null {
  const text = [adapter.vendor, adapter.architecture, adapter.device, adapter.description].join(' ');
  for (const [name, pattern] of SOFTWARE_RENDERERS) if (pattern.test(text)) return name;
  if (adapter.isFallbackAdapter) return 'a fallback adapter';
  if (/^(software|cpu)$/i.test(adapter.architecture.trim())) return `a ${adapter.architecture.trim().toLowerCase()} adapter`;
  return null;
}

/** One line naming the adapter: its description, else vendor and device. */
export function adapterLabel(adapter: AdapterSummary): string {
  const label = adapter.description.trim() || [adapter.vendor, adapter.device].filter((s) => s.trim() !== '').join(' ');
  return label === '' ? 'unnamed adapter' : label;
}
