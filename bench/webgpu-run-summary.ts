/**
 * Issue #14's two tables from the results file of `bench/webgpu-gpu-node.sh C`. Pure: text in,
 * text out.
 *
 * The file holds markdown sections (`### title`) with the tables of bench/webgpu-kernels.ts (8
 * cells: shape, kernel, variant, GFLOP, ms, TFLOP/s, vs tfjs, tiling), bench/webgpu_kernels_torch.py
 * (6 cells: shape, kernel, 'torch fp32' | 'torch tf32', GFLOP, ms, TFLOP/s) and bench/train.ts /
 * bench/torch_reference.py (8 cells: backend, device, model, batch, forward samples/s, forward
 * GFLOP/s, train samples/s, train/forward). A webgpu training row counts as ours or tfjs's by its
 * section's title ("our kernels" / "tfjs's kernels"). Of repeated kernel rows (the sweep measures
 * tfjs and ours again) the first is kept.
 *
 * Out: (1) per layer shape and kernel, tfjs-webgpu's time (before), ours (after), the speed-up,
 * PyTorch fp32's time and ours as a percentage of PyTorch fp32's speed (goal: >= 50% for each
 * conv kernel); (2) per model, training samples/s of PyTorch fp32, ours and tfjs's, and how many
 * times slower than PyTorch each is (goal: <= 3x).
 */

export interface KernelTime {
  readonly shape: string;
  readonly kernel: string;
  readonly variant: string;
  readonly gflop: number;
  /** NaN for 'timeout' or 'error'. */
  readonly ms: number;
}

export interface TrainRate {
  readonly who: 'pytorch' | 'ours' | 'tfjs';
  /** The model cell without arguments or notes: 'vgg16'. */
  readonly model: string;
  readonly batch: number;
  readonly trainSamplesPerS: number;
}

export interface RunResults {
  readonly kernels: KernelTime[];
  readonly training: TrainRate[];
}

function cells(line: string): string[] {
  return line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());
}

function whoTrained(backend: string, section: string): TrainRate['who'] | null {
  if (backend.startsWith('pytorch')) return 'pytorch';
  if (backend !== 'webgpu') return null;
  if (section.includes("tfjs's kernels")) return 'tfjs';
  if (section.includes('our kernels')) return 'ours';
  return null;
}

/** The rows of every table in `text` (see the module comment). */
export function parseRunResults(text: string): RunResults {
  const kernels: KernelTime[] = [];
  const training: TrainRate[] = [];
  let section = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('### ')) section = line.slice(4);
    if (!line.startsWith('|') || /^\|\s*-/.test(line)) continue;
    const c = cells(line);
    if (c[0] === 'shape' || c[0] === 'backend') continue;
    if ((c.length === 8 && (c[2] === 'tfjs' || c[2] === 'ours')) || (c.length === 6 && c[2].startsWith('torch '))) {
      const row: KernelTime = { shape: c[0], kernel: c[1], variant: c[2], gflop: Number(c[3]), ms: Number(c[4]) };
      if (!kernels.some((k) => k.shape === row.shape && k.kernel === row.kernel && k.variant === row.variant)) kernels.push(row);
    } else if (c.length === 8) {
      const who = whoTrained(c[0], section);
      if (who !== null) training.push({ who, model: c[2].split(/[\s(:[]/)[0], batch: Number(c[3]), trainSamplesPerS: Number(c[6]) });
    }
  }
  return { kernels, training };
}

/** `x` to `digits` decimals followed by `unit`, or '—' when x is missing (NaN) or infinite. */
function fixed(x: number, digits: number, unit = ''): string {
  return Number.isFinite(x) ? `${x.toFixed(digits)}${unit}` : '—';
}

/** '4.70 ms (4.1 TFLOP/s)': GFLOP per ms is TFLOP/s. */
function timeCell(k: KernelTime | undefined): string {
  if (k === undefined || !Number.isFinite(k.ms)) return '—';
  return `${k.ms.toFixed(2)} ms (${(k.gflop / k.ms).toFixed(1)} TFLOP/s)`;
}

/** Issue #14's tables (see the module comment) as markdown. */
export function summaryTables(r: RunResults): string {
  const lines = [
    '| layer | kernel | tfjs-webgpu (before) | ours (after) | speed-up | PyTorch fp32 | ours at % of PyTorch fp32 |',
    '|---|---|---:|---:|---:|---:|---:|',
  ];
  const seen = new Set<string>();
  for (const k of r.kernels) {
    const key = `${k.shape}\n${k.kernel}`;
    if (seen.has(key) || k.variant.startsWith('torch ')) continue;
    seen.add(key);
    const find = (variant: string) => r.kernels.find((x) => x.shape === k.shape && x.kernel === k.kernel && x.variant === variant);
    const [tfjs, ours, torch] = [find('tfjs'), find('ours'), find('torch fp32')];
    const ms = (t: KernelTime | undefined) => t?.ms ?? NaN;
    const speedUp = fixed(ms(tfjs) / ms(ours), 2, 'x');
    const ofTorch = fixed((100 * ms(torch)) / ms(ours), 0, '%');
    lines.push(`| ${k.shape} | ${k.kernel} | ${timeCell(tfjs)} | ${timeCell(ours)} | ${speedUp} | ${timeCell(torch)} | ${ofTorch} |`);
  }
  lines.push('', '| model | batch | PyTorch fp32 train samples/s | ours | tfjs\'s kernels | ours: x PyTorch time | tfjs\'s: x PyTorch time |', '|---|---:|---:|---:|---:|---:|---:|');
  const models = [...new Set(r.training.map((t) => `${t.model}\n${t.batch}`))];
  for (const m of models) {
    const [model, batch] = m.split('\n');
    const rate = (who: TrainRate['who']) => r.training.find((t) => t.who === who && t.model === model && t.batch === Number(batch))?.trainSamplesPerS ?? NaN;
    const [torch, ours, tfjs] = [rate('pytorch'), rate('ours'), rate('tfjs')];
    lines.push(`| ${model} | ${batch} | ${fixed(torch, 1)} | ${fixed(ours, 1)} | ${fixed(tfjs, 1)} | ${fixed(torch / ours, 1, 'x')} | ${fixed(torch / tfjs, 1, 'x')} |`);
  }
  return `${lines.join('\n')}\n`;
}
