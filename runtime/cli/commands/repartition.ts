/**
 * `dynpipe repartition`: sends a new plan to a running job's coordinator (started with --mode
 * simple, dynpipe or dynpipe-re) and waits until it is applied or refused. Prints the
 * coordinator's one-line answer; a refusal exits non-zero.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DynpipeError } from '../../errors.js';
import { adminRequest } from '../../transport/admin-client.js';
import { intOption } from '../options.js';
import { readPlanFile } from '../plan-file.js';

interface RepartitionFlags {
  plan: string;
  masterAddr: string;
  masterPort: number;
  timeoutMs: number;
}

async function run(f: RepartitionFlags): Promise<void> {
  const plan = await readPlanFile(resolve(f.plan));
  const reply = await adminRequest(`tcp://${f.masterAddr}:${f.masterPort}`, { type: 'admin-repartition', plan: JSON.parse(JSON.stringify(plan)) as Record<string, unknown> }, f.timeoutMs);
  if (!reply.ok) throw new DynpipeError('E_MIGRATION', `coordinator refused ${f.plan}: ${reply.message}`);
  process.stdout.write(`${reply.message}\n`);
}

export function register(program: Command): void {
  program
    .command('repartition')
    .description('send a new plan to a running job and wait until it is applied')
    .requiredOption('--plan <plan.json>', 'the plan to move to (same model, ranks, microbatch and training settings)')
    .option('--master-addr <host>', "the job's coordinator address", '127.0.0.1')
    .requiredOption('--master-port <port>', "the job's coordinator port (dynpipe launch prints it)", intOption(1, 65535))
    .option('--timeout-ms <ms>', 'give up waiting for the answer after this long', intOption(1), 120_000)
    .action((f: RepartitionFlags) => run(f));
}
