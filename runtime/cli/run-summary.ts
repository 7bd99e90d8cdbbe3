/** The lines a coordinator prints on stdout at the end of a run (dynpipe coordinator, worker rank 0). */
import type { RunSummary } from '../coordinator/coordinator.js';
import { stageOfRank, type Plan } from '../plan/plan.js';

export function formatRunSummary(plan: Plan, s: RunSummary): string {
  const busy = s.busyFraction.map((b, r) => `rank ${r} (stage ${stageOfRank(plan, r)}) ${(100 * b).toFixed(1)}%`).join(', ');
  const loss = s.finalLoss !== undefined ? `, final loss ${s.finalLoss.toFixed(4)}` : '';
  const changes = s.changes.map((c) => `v${c.planVersion} [${c.toPartition.join(', ')}] at mb ${c.cutAt} (${c.source}, pause ${c.pauseMs.toFixed(1)} ms)`).join('; ');
  return `trained ${s.microbatches} microbatches in ${s.seconds.toFixed(1)} s: ${s.samplesPerS.toFixed(1)} samples/s${loss}\nbusy: ${busy}\n${changes ? `plan changes (stages above are the first plan's): ${changes}\n` : ''}`;
}
