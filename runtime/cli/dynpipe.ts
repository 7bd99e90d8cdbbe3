#!/usr/bin/env node
/**
 * The `dynpipe` executable: a thin shell over the libraries. Each subcommand lives in its own file
 * under ./commands and is listed once in ./commands/index.ts. User mistakes end in one line on
 * stderr and exit code 2; unexpected failures in one line and exit code 1 (stack with --debug).
 */
import { Command, CommanderError } from 'commander';
import { registerAll } from './commands/index.js';
import { reportFatal } from './fatal.js';

const program = new Command();
program
  .name('dynpipe')
  .description('Pipeline-parallel DNN training that re-splits the model when a device is slowed')
  .version(process.env.npm_package_version ?? '0.1.0')
  .option('--debug', 'print stack traces of errors')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerAll(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  reportFatal(e, process.argv.includes('--debug'));
}
