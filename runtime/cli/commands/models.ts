/** `dynpipe models [name]`: list the zoo, or show one model's blocks with their sizes and FLOPs. */
import type { Command } from 'commander';
import { buildModel, modelNames } from '../../models/zoo.js';
import { parseArgList } from '../../models/args.js';
import { formatSummary, summarizeModel } from '../../models/summary.js';

interface ModelsOptions {
  args: string;
  json: boolean;
}

export function register(program: Command): void {
  program
    .command('models')
    .description('list the partitionable models, or show the blocks of one')
    .argument('[name]', 'model to describe')
    .option('--args <list>', 'model arguments as key=value,key=value (e.g. width=0.5,numClasses=100)', '')
    .option('--json', 'print JSON instead of a table', false)
    .addHelpText('after', '\nExamples:\n  dynpipe models\n  dynpipe models resnet50 --args width=0.25,inputHeight=64,inputWidth=64\n')
    .action((name: string | undefined, opts: ModelsOptions) => {
      if (name === undefined) {
        const models = modelNames().map((n) => buildModel(n)).map((m) => ({ name: m.name, blocks: m.blocks.length, args: m.args }));
        const text = opts.json ? JSON.stringify(models, null, 2) : models.map((m) => `${m.name.padEnd(10)} ${String(m.blocks).padStart(3)} blocks  ${Object.entries(m.args).map(([k, v]) => `${k}=${v}`).join(',')}`).join('\n');
        process.stdout.write(text + '\n');
        return;
      }
      const model = buildModel(name, parseArgList(opts.args));
      const text = opts.json ? JSON.stringify({ name: model.name, args: model.args, blocks: summarizeModel(model) }, null, 2) : formatSummary(model);
      process.stdout.write(text + '\n');
    });
}
