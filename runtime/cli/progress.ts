/**
 * Progress bars on stderr (cli-progress) when stderr is a terminal or when forced (--progress; on a
 * non-terminal the bar is printed as a line every 5 s); otherwise nothing per step, so logs and CI
 * output stay readable.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update(value: number, payload?: Record<string, string | number>): void;
  setTotal(total: number): void;
  stop(): void;
}

export function createProgress(label: string, total: number, opts: { enabled?: boolean; fields?: string } = {}): Progress {
  const enabled = opts.enabled ?? Boolean(process.stderr.isTTY);
  if (!enabled) return { update() {}, setTotal() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% {value}/{total} ${opts.fields ?? ''} eta {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
      // forced onto a non-terminal (a CI log, a pipe): a plain line every few seconds instead of redraws
      noTTYOutput: !process.stderr.isTTY,
      notTTYSchedule: 5000,
    },
    cliProgress.Presets.shades_classic,
  );
  // every {field} starts blank, so the bar never shows a raw '{field}' before its first update
  const blank = Object.fromEntries([...(opts.fields ?? '').matchAll(/\{(\w+)\}/g)].map((m) => [m[1], '']));
  bar.start(total, 0, blank);
  return {
    update: (v, p) => bar.update(v, p),
    setTotal: (t) => bar.setTotal(t),
    stop: () => bar.stop(),
  };
}
