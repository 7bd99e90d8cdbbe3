/**
 * Where a training step's GPU time goes, kernel by kernel: one step (forward, loss, backward) of
 * each model at the given batch on webgpu, profiled with timestamp queries after warm-up steps.
 * Prints, per model, the time by kernel and the top rows by kernel and input shapes. Run it with
 * DYNPIPE_WEBGPU_OWN_KERNELS=0 to see tfjs's own kernels instead of ours.
 *
 *   node dist/bench/webgpu-step-kernels.js --models vgg16,resnet50 --batch 256
 */
import { Command } from 'commander';
import { groupKernelTimes, kernelTimeTable } from '../runtime/backend/kernel-times.js';
import { releaseBackends, selectBackend } from '../runtime/backend/select.js';
import { intOption } from '../runtime/cli/options.js';
import { parseArgList } from '../runtime/models/args.js';
import { buildModel } from '../runtime/models/zoo.js';
import { profileTrainingStep } from '../profile/step-kernels.js';

const o = new Command()
  .name('bench/webgpu-step-kernels')
  .description("GPU time of each kernel of one training step on webgpu")
  .option('--models <list>', 'models, each optionally with args as name:k=v;k=v', 'vgg16,resnet50')
  .option('--batch <n>', 'minibatch size', intOption(1), 256)
  .option('--warmup <n>', 'unprofiled steps first', intOption(1), 2)
  .option('--top <n>', 'rows of the by-shape table', intOption(1), 20)
  .parse()
  .opts<{ models: string; batch: number; warmup: number; top: number }>();

const choice = await selectBackend('webgpu');
const own = process.env.DYNPIPE_WEBGPU_OWN_KERNELS ?? 'all';
for (const entry of o.models.split(',')) {
  const [name, argText] = entry.split(':');
  const model = buildModel(name, argText ? parseArgList(argText.replaceAll(';', ',')) : {});
  const calls = await profileTrainingStep(model, o.batch, o.warmup);
  process.stdout.write(`### ${entry}, batch ${o.batch}, webgpu on ${choice.device}, our kernels: ${own}\n\n`);
  process.stdout.write(`${kernelTimeTable(groupKernelTimes(calls, false), 1000)}\n\n${kernelTimeTable(groupKernelTimes(calls, true), o.top)}\n\n`);
}
releaseBackends();
process.exit(0);
