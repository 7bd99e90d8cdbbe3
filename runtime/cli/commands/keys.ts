/**
 * `dynpipe keys generate --out DIR`: a CURVE key pair for one job. Hand the directory (by a
 * private channel) to the coordinator and every rank, and pass `--curve-keys DIR` to each: only
 * processes holding it can connect to the job's sockets (transport/curve-keys.ts).
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { generateCurveKeys } from '../../transport/curve-keys.js';
import { writeKeyDir, PUBLIC_KEY_FILE, SECRET_KEY_FILE } from '../../transport/key-files.js';

export function register(program: Command): void {
  const keys = program.command('keys').description('CURVE keys that authenticate and encrypt a job\'s sockets');
  keys
    .command('generate')
    .description(`write a new key pair to DIR/${PUBLIC_KEY_FILE} and DIR/${SECRET_KEY_FILE} (DIR mode 0700, secret 0600)`)
    .requiredOption('--out <dir>', 'directory for the key pair (created if missing)')
    .option('--force', 'replace a key pair already in the directory')
    .action(async (f: { out: string; force?: boolean }) => {
      const dir = resolve(f.out);
      const pair = generateCurveKeys();
      await writeKeyDir(dir, pair, f.force === true);
      process.stdout.write(`wrote a CURVE key pair to ${dir} (public key ${pair.publicKey}); pass --curve-keys ${dir} to the coordinator and every rank\n`);
    });
}
