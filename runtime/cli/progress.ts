/**
 * Progress bars on stderr (cli-progress) when stderr is a terminal or when forced; otherwise
 * nothing per step, so logs and CI output stay readable.
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
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update: (v, p) => bar.update(v, p),
    setTotal: (t) => bar.setTotal(t),
    stop: () => bar.stop(),
  };
}
