#!/usr/bin/env node
/**
 * Regenerates the stored plans: for every `configs/<model>/profile.json`, writes
 * `configs/<model>/ranks=<N>/plan.json` for N in 2, 4, 8 with `dynpipe plan`'s defaults
 * (dynpipe objective, staleness weight 0.1, 10 GB/s, no memory limit), and `straight.json`, the
 * best plan without data-parallel replicas (`--max-replicas 1`): one rank per stage. Run from the repository
 * root: `node dist/runtime/cli/regen-configs.js [configs-dir]`. A thin shell: the work is
 * partitioner/, the formats are profile/format.ts and runtime/plan/plan.ts.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BYTES_PER_GB, blocksFromProfile } from '../../partitioner/cost.js';
import { planPartition } from '../../partitioner/pipedream-dp.js';
import { toPlan } from '../../partitioner/to-plan.js';
import { parseProfile } from '../../profile/format.js';
import { printPlan } from '../plan/plan.js';
import { reportFatal } from './fatal.js';
import { readText, writeText } from './text-files.js';

const RANKS = [2, 4, 8];
const BANDWIDTH_GB_PER_S = 10;
const STALENESS_WEIGHT = 0.1;

function regenerate(configsDir: string): void {
  const models = readdirSync(configsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(configsDir, d.name, 'profile.json')))
    .map((d) => d.name)
    .sort();
  for (const model of models) {
    const path = join(configsDir, model, 'profile.json');
    const profile = parseProfile(readText(path), path);
    for (const ranks of RANKS) for (const [file, maxReplicas] of [['plan.json', undefined], ['straight.json', 1]] as const) {
      if (maxReplicas === 1 && ranks > profile.blocks.length) {
        process.stdout.write(`${join(configsDir, model, `ranks=${ranks}`, file)}: skipped, ${profile.blocks.length} blocks cannot fill ${ranks} one-rank stages\n`);
        continue;
      }
      const result = planPartition({
        blocks: blocksFromProfile(profile),
        blockNames: profile.blocks.map((b) => b.name),
        batchSize: profile.batch_size,
        ranks,
        bandwidthBytesPerS: BANDWIDTH_GB_PER_S * BYTES_PER_GB,
        objective: { kind: 'dynpipe', stalenessWeight: STALENESS_WEIGHT },
        maxReplicas,
      });
      const out = join(configsDir, model, `ranks=${ranks}`, file);
      writeText(out, printPlan(toPlan(result, { model: profile.model, microbatchSize: profile.batch_size })));
      const shape = result.stages.map((s) => `${s.blocks[1] - s.blocks[0]}x${s.ranks.length}`).join(' ');
      process.stdout.write(`${out}: ${shape}, bottleneck ${result.bottleneckMs.toFixed(2)} ms\n`);
    }
  }
}

try {
  regenerate(process.argv[2] ?? 'configs');
} catch (e) {
  reportFatal(e, process.argv.includes('--debug'), 'regen-configs');
}
