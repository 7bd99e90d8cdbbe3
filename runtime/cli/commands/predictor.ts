/**
 * `dynpipe predictor collect|merge|train|eval|predict`: the interference slowdown predictor's dataset,
 * model and queries. Subcommands live in predictor-collect.ts, predictor-merge.ts and predictor-model.ts.
 */
import type { Command } from 'commander';
import { registerCollect } from './predictor-collect.js';
import { registerMerge } from './predictor-merge.js';
import { registerModelCommands } from './predictor-model.js';

export function register(program: Command): void {
  const predictor = program.command('predictor').description('interference slowdown predictor: collect a dataset, train, evaluate, predict');
  registerCollect(predictor);
  registerMerge(predictor);
  registerModelCommands(predictor);
}
