/**
 * A cli-progress bar on stderr, shown when stderr is a terminal or when the user asks (--progress);
 * otherwise every call does nothing, so commands can report progress unconditionally.
 */
import { Presets, SingleBar } from 'cli-progress';

export interface ProgressBar {
  update(value: number): void;
  stop(): void;
}

export function progressBar(total: number, label: string, unit: string, asked: boolean): ProgressBar {
  const tty = Boolean(process.stderr.isTTY);
  if (!(tty || asked)) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar(
    { format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | eta {eta_formatted}`, stream: process.stderr, hideCursor: tty, noTTYOutput: !tty, notTTYSchedule: 2000 },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return { update: (v) => bar.update(v), stop: () => bar.stop() };
}
