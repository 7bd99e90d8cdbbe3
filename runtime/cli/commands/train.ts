/**
 * `dynpipe train`: single-process reference training of any zoo model on any dataset, with a
 * progress bar, per-epoch loss/accuracy, a rank-0 CSV log in the runtime's log format, and the
 * final weights in a tensor file. The pipeline must reproduce it (same seed, same data order).
 */
import { writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { Command, Option } from 'commander';
import { selectBackend, type BackendName } from '../../backend/select.js';
import { openDataset, datasetNames } from '../../data/registry.js';
import type { Dataset } from '../../data/dataset.js';
import { DATA_DIR_ENV } from '../../data/files.js';
import { modelNames } from '../../models/zoo.js';
import { trainModel } from '../../train/trainer.js';
import { RankLogWriter } from '../../log/rank-log-files.js';
import { encodeTensors } from '../../checkpoint/tensor-file.js';
import { paramsToHost } from '../../checkpoint/host-params.js';
import { intOption, floatOption } from '../options.js';
import { createProgress } from '../progress.js';
import { buildModelForDataset, parseModelArgs } from '../model-data.js';
import { defaultDatasetName } from '../default-dataset.js';

interface TrainFlags {
  model: string;
  modelArgs?: string;
  dataset?: string;
  dataDir?: string;
  trainSamples?: number;
  testSamples?: number;
  epochs: number;
  batchSize: number;
  maxSteps?: number;
  optimizer: 'sgd' | 'momentum' | 'adam';
  lr: number;
  momentum: number;
  weightDecay: number;
  seed: number;
  backend: BackendName;
  logDir?: string;
  saveWeights?: string;
  progress?: boolean;
  eval: boolean;
}

function openSplit(name: string, split: 'train' | 'test', flags: TrainFlags, size?: number): Dataset {
  const synthetic = name.startsWith('synthetic');
  return openDataset(name, {
    split,
    env: process.env,
    ...(synthetic ? { seed: flags.seed, size: size ?? (split === 'train' ? 8192 : 1024) } : {}),
    ...(!synthetic && flags.dataDir ? { dataDir: flags.dataDir } : {}),
    ...(!synthetic && size !== undefined ? { size } : {}),
    ...(name === 'synthetic-image' ? { shape: [28, 28, 1], numClasses: 10 } : {}),
  });
}

async function run(flags: TrainFlags): Promise<void> {
  const backend = await selectBackend(flags.backend);
  const datasetName = defaultDatasetName(flags.dataset, flags.dataDir, (l) => process.stderr.write(l + '\n'));
  const train = openSplit(datasetName, 'train', flags, flags.trainSamples);
  const test = flags.eval ? openSplit(datasetName, 'test', flags, flags.testSamples) : undefined;
  const model = buildModelForDataset(flags.model, parseModelArgs(flags.modelArgs), train);
  process.stderr.write(
    `dynpipe train: ${model.name} (${model.blocks.length} blocks) on ${train.name} (${train.size} train` +
      `${test ? `, ${test.size} test` : ''}), backend ${backend.name} (${backend.reason})\n`,
  );
  const log = flags.logDir ? await RankLogWriter.open(flags.logDir, 0, { flush: 'manual' }) : undefined;
  const t0 = performance.now();
  const stepsPerEpoch = Math.floor(train.size / flags.batchSize);
  const total = Math.min(stepsPerEpoch * flags.epochs, flags.maxSteps ?? Infinity);
  const bar = createProgress('train', total, { enabled: flags.progress, fields: 'loss {loss}' });
  const result = await trainModel({
    model,
    train,
    test,
    batchSize: flags.batchSize,
    epochs: flags.epochs,
    maxSteps: flags.maxSteps,
    seed: flags.seed,
    optimizer: { optimizer: flags.optimizer, lr: flags.lr, momentum: flags.momentum, weight_decay: flags.weightDecay },
    now: () => performance.now(),
    onStep: (s) => {
      bar.update(s.step, { loss: s.loss.toFixed(4) });
      log?.append({
        row: 'step', time_ms: performance.now() - t0, rank: 0, stage: 0, plan_version: 0,
        iteration: s.step - 1, microbatch: s.step - 1, forward_ms: s.forwardMs, backward_ms: s.backwardMs,
        recv_wait_ms: 0, send_wait_ms: 0, optimizer_ms: s.optimizerMs, loss: s.loss,
        samples_per_s: s.ms > 0 ? (1000 * s.samples) / s.ms : 0,
      });
    },
    onEpoch: (e) => {
      bar.stop();
      const acc = e.test ? `, test loss ${e.test.loss.toFixed(4)}, test accuracy ${(100 * e.test.accuracy).toFixed(2)}%` : '';
      process.stdout.write(`epoch ${e.epoch + 1}: train loss ${e.meanLoss.toFixed(4)} over ${e.steps} steps in ${(e.ms / 1000).toFixed(1)} s${acc}\n`);
      if (e.test) {
        log?.append({ row: 'eval', time_ms: performance.now() - t0, rank: 0, stage: 0, plan_version: 0, iteration: e.epoch, accuracy: e.test.accuracy, loss: e.test.loss });
      }
    },
  });
  bar.stop();
  await log?.close();
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(`trained ${result.steps} steps in ${seconds.toFixed(1)} s (${((result.steps * flags.batchSize) / seconds).toFixed(1)} samples/s)\n`);
  if (flags.saveWeights) {
    await writeFile(flags.saveWeights, encodeTensors(await paramsToHost(result.params), { model: model.name, args: model.args, steps: result.steps }));
  }
}

export function register(program: Command): void {
  program
    .command('train')
    .description('single-process reference training of a zoo model (the pipeline reproduces it exactly)')
    .addOption(new Option('--model <name>', `model: ${modelNames().join(', ')}`).default('tinycnn'))
    .option('--model-args <k=v,...>', 'model arguments, e.g. width=0.25,layers=2')
    .addOption(new Option('--dataset <name>', `dataset: ${datasetNames().join(', ')} (default: fashion-mnist if installed, else synthetic-image)`))
    .option('--data-dir <dir>', `directory of the dataset files (default: $${DATA_DIR_ENV} or the Debian package's)`)
    .option('--train-samples <n>', 'use only the first n training samples', intOption(1))
    .option('--test-samples <n>', 'use only the first n test samples', intOption(1))
    .option('--epochs <n>', 'epochs', intOption(1), 1)
    .option('--batch-size <n>', 'minibatch size', intOption(1), 64)
    .option('--max-steps <n>', 'stop after n optimizer steps', intOption(1))
    .addOption(new Option('--optimizer <kind>', 'optimizer').choices(['sgd', 'momentum', 'adam']).default('momentum'))
    .option('--lr <x>', 'learning rate', floatOption(0), 0.05)
    .option('--momentum <x>', 'momentum', floatOption(0, 1), 0.9)
    .option('--weight-decay <x>', 'L2 weight decay', floatOption(0), 0)
    .option('--seed <n>', 'seed for weights and data order', intOption(0), 0)
    .addOption(new Option('--backend <name>', 'compute backend').choices(['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu']).default('auto'))
    .option('--log-dir <dir>', 'write the per-step CSV log (rank-0.csv) here')
    .option('--save-weights <file>', 'write the final weights to this tensor file')
    .option('--progress', 'show a progress bar even when stderr is not a terminal')
    .option('--no-eval', 'skip test-set evaluation after each epoch')
    .action((flags: TrainFlags) => run(flags));
}
