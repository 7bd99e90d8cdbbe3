/**
 * What `dynpipe info` reports: backends (available or why not), the one `auto` would pick and
 * why, devices (WebGPU adapter, NVIDIA GPUs) and versions. Collecting probes the machine but
 * leaves no backend running; formatting is pure.
 */
import { softwareRenderer, type AdapterSummary } from './adapter.js';
import { pickAuto, type ConcreteBackend } from './auto.js';
import { listNvidiaGpus, type NvidiaGpus } from './devices.js';
import { listBackends, releaseBackends, type BackendOptions, type BackendStatus } from './select.js';
import { collectVersions, type Versions } from './versions.js';
import { probeWebGpu } from './webgpu.js';

export interface BackendReport {
  readonly backends: BackendStatus[];
  readonly auto: { readonly name: ConcreteBackend; readonly reason: string; readonly device: string };
  readonly devices: {
    /** The adapter Dawn offers (after DYNPIPE_WEBGPU_ADAPTER/BACKEND filtering), or why there is none. */
    readonly webgpu: (AdapterSummary & { readonly cpuRenderer: string | null }) | { readonly none: string };
    readonly nvidia: NvidiaGpus;
  };
  readonly versions: Versions;
}

export async function collectBackendReport(options: BackendOptions = {}): Promise<BackendReport> {
  try {
    const adapter = await probeWebGpu(options.webgpu);
    const backends = await listBackends(options);
    const pick = pickAuto(backends);
    const device = backends.find((b) => b.name === pick.name)?.detail ?? '';
    return {
      backends,
      auto: { name: pick.name, reason: pick.reason, device },
      devices: {
        webgpu: adapter.found ? { ...adapter.adapter, cpuRenderer: softwareRenderer(adapter.adapter) } : { none: adapter.why },
        nvidia: await listNvidiaGpus(),
      },
      versions: await collectVersions(),
    };
  } finally {
    releaseBackends();
  }
}

/** The human-readable form: aligned sections, one fact per line. */
export function formatBackendReport(r: BackendReport): string {
  const width = Math.max(...r.backends.map((b) => b.name.length));
  const lines = ['backends:'];
  for (const b of r.backends) lines.push(`  ${b.name.padEnd(width)}  ${b.available ? 'yes' : 'no '}  ${b.detail}`);
  lines.push('', `auto: ${r.auto.name} (${r.auto.device})`, `  because: ${r.auto.reason}`, '', 'devices:');
  const gpu = r.devices.webgpu;
  lines.push('none' in gpu ? `  webgpu adapter: none (${gpu.none})` : `  webgpu adapter: ${gpu.description || gpu.device} [vendor ${gpu.vendor}, architecture ${gpu.architecture}${gpu.cpuRenderer ? `, CPU renderer ${gpu.cpuRenderer}` : ''}]`);
  const nv = r.devices.nvidia;
  if (nv.found) for (const g of nv.gpus) lines.push(`  ${g}`);
  else lines.push(`  nvidia: ${nv.detail}`);
  lines.push('', 'versions:');
  const entries = Object.entries(r.versions);
  const keyWidth = Math.max(...entries.map(([k]) => k.length));
  for (const [k, v] of entries) lines.push(`  ${k.padEnd(keyWidth)}  ${v}`);
  return lines.join('\n') + '\n';
}
