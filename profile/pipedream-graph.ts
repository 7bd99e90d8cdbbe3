/**
 * Reads PipeDream's profiler output (`graph.txt`) and turns it into our profile format.
 *
 * The file has one node per line, then one edge per tab-indented line:
 *   node4 -- Conv2d(64, 64, ...) -- forward_compute_time=46.201, backward_compute_time=113.330, activation_size=1644167168.000, parameter_size=147712.000
 *   \tnode3 -- node4
 * Times are ms and sizes bytes for one minibatch; `activation_size` may be a list `[a; b]` (a node
 * with several outputs; summed, as PipeDream does) and a node line may end in ` -- stage_id=N`.
 * Every malformed line is reported as `source:line: problem`.
 *
 * Import (`pipedreamProfile`): like PipeDream's optimizer, `Input` source nodes are dropped (their
 * time is data loading, not a layer the planner may place); the rest collapses into a chain of
 * blocks (./chain-collapse.ts) whose times and sizes are the sums over their nodes, and whose
 * output activation is that of the node crossing the cut after the block. FLOPs are not in the
 * file and are written as 0 (unknown).
 */
import { DynpipeError } from '../runtime/errors.js';
import type { BlockKind } from '../runtime/models/block.js';
import { collapseToChain, type DagEdge, type DagNode } from './chain-collapse.js';
import { validateProfile, type Profile } from './format.js';

export interface PipedreamNode {
  readonly id: string;
  readonly desc: string;
  readonly forwardMs: number;
  readonly backwardMs: number;
  readonly activationBytes: number;
  readonly paramBytes: number;
  /** 1-based line of the node in its file. */
  readonly line: number;
}

export interface PipedreamGraph {
  readonly source: string;
  readonly nodes: readonly PipedreamNode[];
  readonly edges: readonly (DagEdge & { line: number })[];
}

const FIELDS = ['forward_compute_time', 'backward_compute_time', 'activation_size', 'parameter_size'] as const;
type Field = (typeof FIELDS)[number];

function parseError(source: string, line: number, message: string): DynpipeError {
  return new DynpipeError('E_PROFILE_PARSE', `${source}:${line}: ${message}`);
}

function parseAmount(text: string, field: Field, where: () => string): number {
  const list = /^\[(.*)\]$/.exec(text);
  const parts = field === 'activation_size' && list ? list[1].split(';') : [text];
  let sum = 0;
  for (const part of parts) {
    const t = part.trim();
    const v = Number(t);
    if (t === '' || !Number.isFinite(v) || v < 0) throw new DynpipeError('E_PROFILE_PARSE', `${where()}: ${field} must be a number >= 0, got '${text}'`);
    sum += v;
  }
  return sum;
}

function parseNodeLine(text: string, source: string, line: number): PipedreamNode {
  const tokens = text.trim().split(' -- ');
  const metaAt = tokens.findIndex((t) => t.startsWith('forward_compute_time='));
  if (tokens.length < 3 || metaAt < 2) {
    throw parseError(source, line, `expected 'nodeN -- description -- forward_compute_time=..., backward_compute_time=..., activation_size=..., parameter_size=...'`);
  }
  const id = tokens[0];
  if (!/^\S+$/.test(id)) throw parseError(source, line, `node id '${id}' contains spaces`);
  for (const extra of tokens.slice(metaAt + 1)) {
    if (!/^stage_id=\d+$/.test(extra)) throw parseError(source, line, `${id}: unexpected trailing field '${extra}'`);
  }
  const values = new Map<string, string>();
  for (const pair of tokens[metaAt].split(', ')) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    if (eq < 0 || !(FIELDS as readonly string[]).includes(key)) throw parseError(source, line, `${id}: unknown field '${pair}'`);
    if (values.has(key)) throw parseError(source, line, `${id}: field ${key} given twice`);
    values.set(key, pair.slice(eq + 1));
  }
  const amount = (field: Field): number => {
    const v = values.get(field);
    if (v === undefined) throw parseError(source, line, `${id}: missing field ${field}`);
    return parseAmount(v, field, () => `${source}:${line}: ${id}`);
  };
  return {
    id,
    desc: tokens.slice(1, metaAt).join(' -- '),
    forwardMs: amount('forward_compute_time'),
    backwardMs: amount('backward_compute_time'),
    activationBytes: amount('activation_size'),
    paramBytes: amount('parameter_size'),
    line,
  };
}

/** Parses `graph.txt` text; `source` (usually the file name) prefixes every error. */
export function parsePipedreamGraph(text: string, source: string): PipedreamGraph {
  const nodes: PipedreamNode[] = [];
  const edges: Array<DagEdge & { line: number }> = [];
  const seen = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  for (let k = 0; k < lines.length; k++) {
    const raw = lines[k];
    const line = k + 1;
    if (raw.trim() === '') continue;
    if (/^\s/.test(raw)) {
      const ends = raw.trim().split(' -- ');
      if (ends.length !== 2 || !/^\S+$/.test(ends[0]) || !/^\S+$/.test(ends[1])) throw parseError(source, line, `expected an edge '\\tnodeA -- nodeB', got '${raw.trim()}'`);
      if (ends[0] === ends[1]) throw parseError(source, line, `edge from ${ends[0]} to itself`);
      edges.push({ from: ends[0], to: ends[1], line });
      continue;
    }
    if (edges.length > 0) throw parseError(source, line, 'node line after the edge lines (nodes come first, edges are tab-indented)');
    const node = parseNodeLine(raw, source, line);
    const earlier = seen.get(node.id);
    if (earlier !== undefined) throw parseError(source, line, `node ${node.id} already defined on line ${earlier}`);
    seen.set(node.id, line);
    nodes.push(node);
  }
  if (nodes.length === 0) throw new DynpipeError('E_PROFILE_PARSE', `${source}: no node lines`);
  const unique = new Set<string>();
  const dedupedEdges = edges.filter((e) => {
    for (const id of [e.from, e.to]) if (!seen.has(id)) throw parseError(source, e.line, `edge names unknown node ${id}`);
    const key = `${e.from}\u0000${e.to}`;
    if (unique.has(key)) return false;
    unique.add(key);
    return true;
  });
  return { source, nodes, edges: dedupedEdges };
}

/** PyTorch module name (the description's first word) to our block kind. */
export function kindOfDescription(desc: string): BlockKind {
  if (/^Conv/.test(desc)) return 'conv';
  if (/^Linear/.test(desc)) return 'dense';
  if (/Pool/.test(desc)) return 'pool';
  if (/Norm/.test(desc)) return 'norm';
  if (/^Embedding/.test(desc)) return 'embedding';
  if (/Attention/.test(desc)) return 'attention';
  return 'other';
}

function isInputSource(node: PipedreamNode, graph: PipedreamGraph): boolean {
  return node.desc.startsWith('Input') && !graph.edges.some((e) => e.to === node.id);
}

/** Bytes of one 3x224x224 float32 image: PipeDream's image-classification profiles use ImageNet inputs. */
export const IMAGENET_SAMPLE_BYTES = 3 * 224 * 224 * 4;

/**
 * The minibatch size of an image-classification profile, read off its `Input` node (activation
 * bytes / one ImageNet image); undefined when there is no single Input node or it does not divide.
 */
export function inferImagenetBatch(graph: PipedreamGraph): number | undefined {
  const inputs = graph.nodes.filter((n) => isInputSource(n, graph));
  if (inputs.length !== 1) return undefined;
  const batch = inputs[0].activationBytes / IMAGENET_SAMPLE_BYTES;
  return Number.isInteger(batch) && batch > 0 ? batch : undefined;
}

export interface PipedreamImportOptions {
  model: { name: string; args?: Record<string, number | string | boolean> };
  batchSize: number;
  /** ISO-8601 date to record (the import time; graph.txt carries none). */
  date: string;
  backend?: string;
  device?: string;
}

function blockName(nodes: readonly DagNode<PipedreamNode>[]): string {
  if (nodes.length <= 3) return nodes.map((n) => n.id).join('+');
  return `${nodes[0].id}..${nodes[nodes.length - 1].id}`;
}

/** Drops Input sources, collapses the rest into a chain of blocks and returns a validated profile. */
export function pipedreamProfile(graph: PipedreamGraph, opts: PipedreamImportOptions): Profile {
  const dropped = new Set(graph.nodes.filter((n) => isInputSource(n, graph)).map((n) => n.id));
  const nodes = graph.nodes.filter((n) => !dropped.has(n.id)).map((n) => ({ id: n.id, data: n }));
  if (nodes.length === 0) throw new DynpipeError('E_PROFILE_PARSE', `${graph.source}: only Input nodes, no layers`);
  const edges = graph.edges.filter((e) => !dropped.has(e.from) && !dropped.has(e.to));
  const lineOf = new Map(graph.nodes.map((n) => [n.id, n.line]));
  const describe = (id: string): string => (lineOf.has(id) ? `${graph.source}:${lineOf.get(id)}` : graph.source);
  const chain = collapseToChain(nodes, edges, describe);
  const blocks = chain.map((b) => {
    let heaviest = b.nodes[0].data;
    for (const { data } of b.nodes) if (data.forwardMs + data.backwardMs > heaviest.forwardMs + heaviest.backwardMs) heaviest = data;
    return {
      name: blockName(b.nodes),
      kind: kindOfDescription(heaviest.desc),
      forward_ms: b.nodes.reduce((s, n) => s + n.data.forwardMs, 0),
      backward_ms: b.nodes.reduce((s, n) => s + n.data.backwardMs, 0),
      activation_bytes: b.output.data.activationBytes,
      param_bytes: b.nodes.reduce((s, n) => s + n.data.paramBytes, 0),
      flops: 0,
    };
  });
  return validateProfile(
    {
      version: 1,
      model: { name: opts.model.name, args: opts.model.args ?? {} },
      batch_size: opts.batchSize,
      backend: opts.backend ?? 'pytorch (PipeDream profiler)',
      device: opts.device ?? 'unknown',
      date: opts.date,
      source: 'pipedream-import',
      blocks,
    },
    graph.source,
  );
}
