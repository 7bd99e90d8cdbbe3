/** Where the shared real PipeDream profiles live: `../shared/fixtures/pipedream-profiles` beside the repository root. */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs from dist/test/profile/). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function pipedreamFixture(name: 'vgg16' | 'alexnet'): { path: string; text: string } {
  const path = resolve(repoRoot, '..', 'shared', 'fixtures', 'pipedream-profiles', `${name}.graph.txt`);
  return { path, text: readFileSync(path, 'utf8') };
}
