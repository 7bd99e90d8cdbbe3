/**
 * Collapses a layer DAG into a chain of blocks, so that every cut between two blocks carries the
 * output of exactly one node — the block contract (runtime/models/block.ts) passes one tensor
 * between stages.
 *
 * This is PipeDream's antichain idea restricted to antichains of one node. Order the nodes
 * topologically; a cut after position p is *valid* when the edges crossing it (from a node at
 * index < p to a node at index >= p) all leave the same node u; the activation crossing it is then
 * u's output. Maximal node ranges between consecutive valid cuts become blocks. On a chain every
 * cut is valid and each node is a block; a branch region (a fork and its join, e.g. a residual
 * block, or PyTorch's `x.size(0)` feeding `view`) has crossing edges from two nodes inside it, so
 * the whole region becomes one block.
 *
 * Crossing counts come from a difference array over `lastUse(u)` (the largest index of u's
 * successors): u crosses cut p iff index(u) < p <= lastUse(u). A second difference array sums the
 * crossing indices, which names the crossing node whenever the count is one. O(nodes + edges).
 */
import { DynpipeError } from '../runtime/errors.js';

export interface DagNode<T> {
  readonly id: string;
  readonly data: T;
}

export interface DagEdge {
  readonly from: string;
  readonly to: string;
}

/** One block of the chain: `nodes` in topological order, `output` the node whose output crosses the cut after it. */
export interface ChainBlock<T> {
  readonly nodes: readonly DagNode<T>[];
  readonly output: DagNode<T>;
}

/** Orders ids like `node2` < `node10` (numeric suffix compared as a number), then lexically. */
export function compareNodeIds(a: string, b: string): number {
  const ma = /^(.*?)(\d+)$/.exec(a);
  const mb = /^(.*?)(\d+)$/.exec(b);
  if (ma && mb && ma[1] === mb[1]) return Number(ma[2]) - Number(mb[2]) || a.localeCompare(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Kahn's algorithm, taking among ready nodes the smallest id (`compareNodeIds`), so the order is
 * deterministic. Throws E_PROFILE_PARSE naming a node on a cycle; `describe(id)` adds its location.
 */
export function topologicalOrder<T>(nodes: readonly DagNode<T>[], edges: readonly DagEdge[], describe: (id: string) => string): DagNode<T>[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const inDegree = new Map(nodes.map((n) => [n.id, 0]));
  const out = new Map<string, string[]>(nodes.map((n) => [n.id, []]));
  for (const e of edges) {
    for (const id of [e.from, e.to]) {
      if (!byId.has(id)) throw new DynpipeError('E_PROFILE_PARSE', `${describe(id)}: edge ${e.from} -- ${e.to} names unknown node ${id}`);
    }
    out.get(e.from)!.push(e.to);
    inDegree.set(e.to, inDegree.get(e.to)! + 1);
  }
  const ready = nodes.filter((n) => inDegree.get(n.id) === 0).map((n) => n.id);
  const order: DagNode<T>[] = [];
  while (ready.length > 0) {
    ready.sort(compareNodeIds);
    const id = ready.shift()!;
    order.push(byId.get(id)!);
    for (const to of out.get(id)!) {
      const d = inDegree.get(to)! - 1;
      inDegree.set(to, d);
      if (d === 0) ready.push(to);
    }
  }
  if (order.length < nodes.length) {
    const stuck = nodes.filter((n) => inDegree.get(n.id)! > 0).map((n) => n.id).sort(compareNodeIds)[0];
    throw new DynpipeError('E_PROFILE_PARSE', `${describe(stuck)}: node ${stuck} is on a cycle, so the graph has no layer order`);
  }
  return order;
}

/** Collapses `nodes`/`edges` (a DAG) into blocks; see the module comment. Every node lands in exactly one block. */
export function collapseToChain<T>(nodes: readonly DagNode<T>[], edges: readonly DagEdge[], describe: (id: string) => string): ChainBlock<T>[] {
  const order = topologicalOrder(nodes, edges, describe);
  const n = order.length;
  const index = new Map(order.map((node, i) => [node.id, i]));
  const lastUse = new Int32Array(n).fill(-1);
  for (const e of edges) {
    const u = index.get(e.from)!;
    lastUse[u] = Math.max(lastUse[u], index.get(e.to)!);
  }
  // count[p] / indexSum[p]: how many nodes cross cut p (between order[p-1] and order[p]) and the sum of their indices.
  const count = new Int32Array(n + 1);
  const indexSum = new Float64Array(n + 1);
  for (let u = 0; u < n; u++) {
    if (lastUse[u] <= u) continue;
    count[u + 1] += 1;
    count[lastUse[u] + 1] -= 1;
    indexSum[u + 1] += u;
    indexSum[lastUse[u] + 1] -= u;
  }
  const blocks: ChainBlock<T>[] = [];
  let start = 0;
  let crossing = 0;
  let crossingIndexSum = 0;
  for (let p = 1; p <= n; p++) {
    crossing += count[p];
    crossingIndexSum += indexSum[p];
    const lastBlock = p === n;
    if (!lastBlock && crossing !== 1) continue;
    const output = lastBlock ? order[n - 1] : order[crossingIndexSum];
    blocks.push({ nodes: order.slice(start, p), output });
    start = p;
  }
  return blocks;
}
