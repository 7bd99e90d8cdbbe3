/**
 * tfjs-node: TensorFlow's C library as the 'tensorflow' backend. Both packages are optional
 * dependencies; tfjs-node-gpu (CUDA) is tried first. The package must match our tfjs version,
 * or it brings its own tfjs-core and registers 'tensorflow' in an engine we do not use.
 */
export const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

export type NativeLoad = { readonly loaded: true; readonly packageName: string } | { readonly loaded: false; readonly why: string };

function notInstalled(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/** Imports the first tfjs-node package that loads; importing registers the 'tensorflow' backend. */
export async function loadTfjsNode(): Promise<NativeLoad> {
  const failures: string[] = [];
  for (const packageName of NATIVE_PACKAGES) {
    try {
      // A variable specifier: the packages are optional, so TypeScript must not resolve them.
      const specifier: string = packageName;
      await import(specifier);
      return { loaded: true, packageName };
    } catch (e) {
      if (!notInstalled(e)) failures.push(`${packageName} failed to load: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
    }
  }
  return { loaded: false, why: failures.length > 0 ? failures.join('; ') : 'neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed' };
}
