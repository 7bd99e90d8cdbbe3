/** Versions of the runtime's parts, read from their package.json files. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** The installed version of `packageName`, or 'not installed'. */
export function packageVersion(packageName: string): string {
  try {
    return (require(`${packageName}/package.json`) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** Our own version: the nearest package.json above this file named "dynpipe" (works from dist/ too). */
export function dynpipeVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'dynpipe' && pkg.version !== undefined) return pkg.version;
    } catch {
      // no package.json here; keep climbing
    }
  }
  return 'unknown';
}

export interface Versions {
  readonly node: string;
  readonly dynpipe: string;
  readonly tfjs: string;
  readonly 'tfjs-backend-wasm': string;
  readonly 'tfjs-backend-webgpu': string;
  readonly webgpu: string;
  readonly zeromq: string;
  readonly libzmq: string;
}

export async function collectVersions(): Promise<Versions> {
  const { version: libzmq } = await import('zeromq');
  return {
    node: process.version,
    dynpipe: dynpipeVersion(),
    tfjs: packageVersion('@tensorflow/tfjs'),
    'tfjs-backend-wasm': packageVersion('@tensorflow/tfjs-backend-wasm'),
    'tfjs-backend-webgpu': packageVersion('@tensorflow/tfjs-backend-webgpu'),
    webgpu: packageVersion('webgpu'),
    zeromq: packageVersion('zeromq'),
    libzmq,
  };
}
