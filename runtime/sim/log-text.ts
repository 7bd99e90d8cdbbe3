/**
 * Rank-log text for many rows, fast: a simulated job has a step row per rank and microbatch
 * (512 ranks x 1,000 microbatches = 512,000), too many for the general printer's per-row CSV
 * library call and schema check. A step row without `detail` holds only numbers, which CSV never
 * quotes, so it is joined directly; every other row goes through `printRow`. The output is
 * byte-identical to printing each row with `printRow` (the tests check this), so the file parses
 * back with `parseRankLog`.
 */
import { printRow, type RankLogRow, type StepRow } from '../log/rank-log.js';

/** Cells after samples_per_s, all empty on a step row: pause_ms .. detail. */
const EMPTY_TAIL = ',,,,,,,,\n';

/** One step row without detail, as printRow prints it. */
export function stepLine(s: StepRow): string {
  return (
    `step,${s.time_ms},${s.rank},${s.stage},${s.plan_version},${s.iteration},${s.microbatch},${s.forward_ms},${s.backward_ms},` +
    `${s.recv_wait_ms},${s.send_wait_ms},${s.optimizer_ms},${s.loss ?? ''},${s.samples_per_s}${EMPTY_TAIL}`
  );
}

/** The rows' lines, concatenated (no header). */
export function printRows(rows: readonly RankLogRow[]): string {
  let out = '';
  for (const r of rows) out += r.row === 'step' && r.detail === undefined ? stepLine(r) : printRow(r);
  return out;
}
