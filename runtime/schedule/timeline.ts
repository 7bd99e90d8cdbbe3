/**
 * Draws a lock-step run as the classic pipeline picture: one row per stage, one column per round,
 * `Fj`/`Bj` for the forward/backward of microbatch j in the slot a stage ran, dots while it waited
 * or after it finished. The schedule doc comments and their tests use this exact text.
 */
import { isCompute, type Slot } from './instructions.js';

/** `Fj`/`Bj` for the slot's compute (`?` if it has none, which no schedule here yields). */
export function slotLabel(slot: Slot): string {
  const compute = slot.find(isCompute);
  if (!compute) return '?';
  return `${compute.kind === 'forward' ? 'F' : 'B'}${compute.mb}`;
}

/** The timeline of `rounds` (rounds[r][s] as in LockstepResult) for `stages` stages, lines joined by '\n'. */
export function renderTimeline(rounds: ReadonlyArray<ReadonlyArray<Slot | null>>, stages: number): string {
  const cells = rounds.map((row) => Array.from({ length: stages }, (_, s) => (row[s] ? slotLabel(row[s]) : '')));
  const width = Math.max(2, String(rounds.length - 1).length, ...cells.flat().map((c) => c.length));
  const labels = ['round', ...Array.from({ length: stages }, (_, s) => `stage ${s}`)];
  const labelWidth = Math.max(...labels.map((l) => l.length));
  const cell = (text: string): string => (text === '' ? '.'.repeat(width) : text.padStart(width));
  const header = labels[0].padEnd(labelWidth) + rounds.map((_, r) => ' ' + cell(String(r))).join('');
  const rows = Array.from({ length: stages }, (_, s) => labels[s + 1].padEnd(labelWidth) + cells.map((c) => ' ' + cell(c[s])).join(''));
  return [header, ...rows].join('\n');
}
