/** The one list of subcommands. Each module exports `register(program)` and does nothing on import. */
import type { Command } from 'commander';

const modules: Array<{ register(program: Command): void }> = [
  await import('./train.js'),
  await import('./launch.js'),
  await import('./worker.js'),
  await import('./coordinator.js'),
  await import('./plan.js'),
  await import('./profile.js'),
  await import('./predictor.js'),
  await import('./interfere.js'),
  await import('./figures.js'),
  await import('./info.js'),
  await import('./models.js'),
  await import('./dataset.js'),
  await import('./schedule.js'),
  await import('./keys.js'),
  await import('./repartition.js'),
  await import('./simulate.js'),
  await import('./dashboard.js'),
  await import('./demo.js'),
  await import('./experiment.js'),
];

export function registerAll(program: Command): void {
  for (const m of modules) m.register(program);
}
