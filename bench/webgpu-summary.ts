/**
 * Prints issue #14's before/after tables (bench/webgpu-run-summary.ts) from the results file of
 * `bench/webgpu-gpu-node.sh C`:
 *   node dist/bench/webgpu-summary.js $OUT/webgpu-results-C.md
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { DynpipeError } from '../runtime/errors.js';
import { reportFatal } from '../runtime/cli/fatal.js';
import { parseRunResults, summaryTables } from './webgpu-run-summary.js';

function summarize(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DynpipeError('E_IO', `${file}: cannot read (${e instanceof Error ? e.message : String(e)})`);
  }
  const results = parseRunResults(text);
  if (results.kernels.length === 0 && results.training.length === 0) throw new DynpipeError('E_USAGE', `${file}: no kernel or training rows found`);
  return summaryTables(results);
}

const program = new Command()
  .name('bench/webgpu-summary')
  .description("issue #14's before/after tables from a results file of bench/webgpu-gpu-node.sh C")
  .argument('<results>', 'webgpu-results-C.md')
  .parse();
try {
  process.stdout.write(summarize(program.args[0]));
} catch (e) {
  reportFatal(e, false, 'webgpu-summary');
}
