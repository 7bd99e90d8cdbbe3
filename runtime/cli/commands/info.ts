/** `dynpipe info`: compute backends, the one `auto` picks and why, devices, versions. */
import type { Command } from 'commander';
import { backendOptionsFromEnv } from '../../backend/options.js';

export function register(program: Command): void {
  program
    .command('info')
    .description('list compute backends (available or why not), the one --backend auto picks and why, devices and versions')
    .option('--json', 'print one JSON object instead of text')
    .addHelpText('after', '\nEnvironment:\n  DYNPIPE_WEBGPU_ADAPTER  use the first WebGPU adapter whose device name contains this text\n  DYNPIPE_WEBGPU_BACKEND  Dawn native API for WebGPU: vulkan, opengl, opengles, d3d12, metal, ...')
    .action(async (opts: { json?: boolean }) => {
      const options = backendOptionsFromEnv(process.env);
      const { collectBackendReport, formatBackendReport } = await import('../../backend/report.js'); // loads tfjs: only when run
      const report = await collectBackendReport(options);
      process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : formatBackendReport(report));
    });
}
