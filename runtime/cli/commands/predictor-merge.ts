/**
 * `dynpipe predictor merge`: joins datasets collected in parallel lanes (`collect --shard i/n`, one
 * file each) into one file whose header keeps every lane's provenance lines. A thin shell over
 * `mergeDatasets`; an --out ending in .gz is written gzipped.
 */
import type { Command } from 'commander';
import { DynpipeError } from '../../errors.js';
import { datasetProvenance, mergeDatasets, parseDataset, printDataset } from '../../../predictor/dataset.js';
import { readText, writeText } from './predictor-io.js';

export function registerMerge(predictor: Command): void {
  predictor
    .command('merge')
    .description('join datasets (e.g. the lanes of a parallel collection) into one file, keeping every provenance line')
    .requiredOption('--out <csv>', 'file to write (.gz: gzipped)')
    .argument('<csv...>', 'datasets to join, in order (.gz read gunzipped)')
    .action((files: string[], flags: { out: string }) => {
      if (files.includes(flags.out)) throw new DynpipeError('E_USAGE', `--out ${flags.out} is also an input`);
      const parts = files.map((where) => {
        const text = readText(where, 'dataset');
        return { where, text, rows: parseDataset(text, where) };
      });
      const rows = mergeDatasets(parts);
      if (rows.length === 0) throw new DynpipeError('E_DATA', `${files.join(', ')}: no rows to merge`);
      const provenance = parts.flatMap((p) => datasetProvenance(p.text).map((line) => `${p.where.split('/').at(-1)}: ${line}`));
      writeText(flags.out, printDataset(rows, true, provenance));
      const mixes = new Set(rows.map((r) => r.mix)).size;
      process.stdout.write(`merge: ${rows.length} rows of ${mixes} mixes from ${files.length} files -> ${flags.out}\n`);
    });
}
