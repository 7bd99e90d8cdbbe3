/**
 * The `auto` policy, as a pure function of what each backend's probe found:
 * tensorflow (tfjs-node) > webgpu on a real GPU > wasm > cpu. A WebGPU adapter that is a CPU
 * renderer (llvmpipe, SwiftShader, ...) is skipped: there wasm is faster.
 */
export type ConcreteBackend = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';

/** Best first. */
export const AUTO_ORDER: readonly ConcreteBackend[] = ['tensorflow', 'webgpu', 'wasm', 'cpu'];

export interface BackendProbe {
  readonly name: ConcreteBackend;
  readonly available: boolean;
  /** When available: what runs (device, build); otherwise: why not. */
  readonly detail: string;
  /** webgpu only: the CPU renderer behind the adapter ('llvmpipe', ...), null for a GPU. */
  readonly cpuRenderer?: string | null;
}

export interface AutoPick {
  readonly name: ConcreteBackend;
  /** Why each better backend was passed over, then the pick, e.g. "webgpu adapter is llvmpipe (CPU); using wasm". */
  readonly reason: string;
}

function passedOver(p: BackendProbe): string | null {
  if (!p.available) return `${p.name}: ${p.detail}`;
  if (p.name === 'webgpu' && p.cpuRenderer) return `webgpu adapter is ${p.cpuRenderer} (CPU)`;
  return null;
}

/** Picks per AUTO_ORDER among `probes`; cpu is the last resort even when not listed. */
export function pickAuto(probes: readonly BackendProbe[]): AutoPick {
  const skipped: string[] = [];
  for (const name of AUTO_ORDER) {
    const probe = probes.find((p) => p.name === name);
    if (probe === undefined) continue;
    const why = passedOver(probe);
    if (why === null) return { name, reason: [...skipped, `using ${name}`].join('; ') };
    skipped.push(why);
  }
  return { name: 'cpu', reason: [...skipped, 'using cpu'].join('; ') };
}
