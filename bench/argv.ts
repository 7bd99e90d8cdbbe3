/**
 * The bench scripts' flags: `--name value` pairs read straight from process.argv (benches are run
 * by hand or from the GPU-node scripts, not by users, so they need no commander front end).
 */

/** The value after `--name`, or `fallback` when the flag is absent. */
export function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

/** An integer >= 1 after `--name`; exits 2 with a one-line message naming `bench` otherwise. */
export function intFlag(bench: string, name: string, fallback: number): number {
  const v = Number(flag(name, String(fallback)));
  if (!Number.isInteger(v) || v < 1) {
    process.stderr.write(`${bench}: --${name} must be an integer >= 1\n`);
    process.exit(2);
  }
  return v;
}
