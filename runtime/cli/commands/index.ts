/** The one list of subcommands. Each module exports `register(program)` and does nothing on import. */
import type { Command } from 'commander';

const modules: Array<{ register(program: Command): void }> = [
  // one line per command module, e.g. (await import('./train.js'))
  await import('./interfere.js'),
  await import('./predictor.js'),
];

export function registerAll(program: Command): void {
  for (const m of modules) m.register(program);
}
