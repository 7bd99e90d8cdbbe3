import { strict as assert } from 'node:assert';
import { collapseToChain, compareNodeIds } from '../../profile/chain-collapse.js';
import { IMAGENET_SAMPLE_BYTES, inferImagenetBatch, kindOfDescription, parsePipedreamGraph, pipedreamProfile } from '../../profile/pipedream-graph.js';
import { isDynpipeError } from '../../runtime/errors.js';
import { pipedreamFixture } from './fixture-path.js';

/** Column totals of a graph.txt read with a regex, independently of the parser under test. */
function fileTotals(text: string): { forward: number; backward: number; params: number; inputForward: number; nodes: number } {
  const totals = { forward: 0, backward: 0, params: 0, inputForward: 0, nodes: 0 };
  for (const line of text.split('\n')) {
    const m = /^(\S+) -- (.*) -- forward_compute_time=([\d.]+), backward_compute_time=([\d.]+), activation_size=[\d.]+, parameter_size=([\d.]+)$/.exec(line);
    if (!m) continue;
    totals.nodes++;
    totals.forward += Number(m[3]);
    totals.backward += Number(m[4]);
    totals.params += Number(m[5]);
    if (m[2] === 'Input') totals.inputForward += Number(m[3]);
  }
  return totals;
}

const DATE = '2024-05-01T00:00:00.000Z';

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function importFixture(name: 'vgg16' | 'alexnet') {
  const { path, text } = pipedreamFixture(name);
  const graph = parsePipedreamGraph(text, path);
  return { text, graph, profile: pipedreamProfile(graph, { model: { name }, batchSize: inferImagenetBatch(graph)!, date: DATE }) };
}

function parseFails(text: string, message: string): void {
  assert.throws(
    () => {
      const graph = parsePipedreamGraph(text, 'g.txt');
      pipedreamProfile(graph, { model: { name: 'm' }, batchSize: 1, date: DATE });
    },
    (e: unknown) => {
      assert.ok(isDynpipeError(e, 'E_PROFILE_PARSE'), String(e));
      assert.equal(e.message, message);
      return true;
    },
  );
}

const n = (id: string, rest = 'forward_compute_time=1.0, backward_compute_time=2.0, activation_size=8.0, parameter_size=4.0'): string => `${id} -- ReLU -- ${rest}`;

describe('PipeDream graph.txt import', () => {
  // VGG-16: 41 nodes; the Input node is dropped and `Size(0)` (node33) joins `View` (node34), whose
  // inputs are node32 and node33: two nodes cross the cut between them, so 41 - 1 - 1 = 39 blocks.
  it('imports the real vgg16 profile: 39 blocks whose sums equal the file totals minus Input', () => {
    const { text, profile } = importFixture('vgg16');
    const t = fileTotals(text);
    assert.equal(t.nodes, 41);
    assert.equal(profile.blocks.length, 39);
    assert.ok(Math.abs(sum(profile.blocks.map((b) => b.forward_ms)) - (t.forward - t.inputForward)) < 1e-9);
    assert.ok(Math.abs(sum(profile.blocks.map((b) => b.backward_ms)) - t.backward) < 1e-9);
    assert.equal(sum(profile.blocks.map((b) => b.param_bytes)), t.params);
    assert.equal(profile.batch_size, 77070336 / IMAGENET_SAMPLE_BYTES); // Input activation / one image = 128
    assert.equal(profile.batch_size, 128);
    assert.equal(profile.source, 'pipedream-import');
    assert.deepEqual(
      profile.blocks.slice(0, 3).map((b) => [b.name, b.kind]),
      [['node2', 'conv'], ['node3', 'other'], ['node4', 'conv']],
    );
    const merged = profile.blocks.find((b) => b.name === 'node33+node34');
    assert.ok(merged, 'Size and View are one block');
    assert.equal(merged.activation_bytes, 12845056); // node34's output crosses the next cut
    assert.equal(profile.blocks[profile.blocks.length - 1].name, 'node41');
    assert.equal(profile.blocks[profile.blocks.length - 1].activation_bytes, 512000);
  });

  // AlexNet: 23 nodes, Input dropped, Size(0) node15 joins View node16: 21 blocks.
  it('imports the real alexnet profile: 21 blocks, Input (635.902 ms of loading) dropped', () => {
    const { text, profile } = importFixture('alexnet');
    const t = fileTotals(text);
    assert.equal(t.nodes, 23);
    assert.equal(t.inputForward, 635.902);
    assert.equal(profile.blocks.length, 21);
    assert.ok(Math.abs(sum(profile.blocks.map((b) => b.forward_ms)) - (t.forward - t.inputForward)) < 1e-9);
    assert.ok(Math.abs(sum(profile.blocks.map((b) => b.backward_ms)) - t.backward) < 1e-9);
    assert.equal(sum(profile.blocks.map((b) => b.param_bytes)), t.params);
    assert.equal(profile.batch_size, 256);
    assert.ok(profile.blocks.some((b) => b.name === 'node15+node16'));
  });

  it('collapses a fork-join region into one block whose output is the join', () => {
    //   a -> b -> d -> e     cut a|b: only a crosses; b|c: a->c and b->d cross; c|d: b and c cross;
    //   a -> c -> d          d|e: only d crosses.  Blocks: [a] [b c d] [e].
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const nodes = ids.map((id) => ({ id, data: id }));
    const edges = [['a', 'b'], ['a', 'c'], ['b', 'd'], ['c', 'd'], ['d', 'e']].map(([from, to]) => ({ from, to }));
    const chain = collapseToChain(nodes, edges, (id) => id);
    assert.deepEqual(chain.map((b) => b.nodes.map((x) => x.id)), [['a'], ['b', 'c', 'd'], ['e']]);
    assert.deepEqual(chain.map((b) => b.output.id), ['a', 'd', 'e']);
  });

  it('keeps a residual block together, skip edge included', () => {
    // x -> c1 -> c2 -> add, x -> add: x crosses every cut inside, so [c1 c2 add] is one block.
    const nodes = ['x', 'c1', 'c2', 'add', 'out'].map((id) => ({ id, data: 0 }));
    const edges = [['x', 'c1'], ['c1', 'c2'], ['c2', 'add'], ['x', 'add'], ['add', 'out']].map(([from, to]) => ({ from, to }));
    const chain = collapseToChain(nodes, edges, (id) => id);
    assert.deepEqual(chain.map((b) => b.nodes.map((x) => x.id)), [['x'], ['c1', 'c2', 'add'], ['out']]);
  });

  it('orders node ids numerically', () => {
    assert.deepEqual(['node10', 'node2', 'node1', 'a'].sort(compareNodeIds), ['a', 'node1', 'node2', 'node10']);
  });

  it('maps PyTorch module names to block kinds', () => {
    assert.deepEqual(
      ['Conv2d(3, 64)', 'Linear(in_features=4096)', 'MaxPool2d(2)', 'BatchNorm2d(64)', 'Embedding(100, 8)', 'ReLU(inplace)'].map(kindOfDescription),
      ['conv', 'dense', 'pool', 'norm', 'embedding', 'other'],
    );
  });

  it('sums list activations and accepts a trailing stage_id', () => {
    const g = parsePipedreamGraph(`${n('node1', 'forward_compute_time=1.0, backward_compute_time=2.0, activation_size=[3.0; 4.5], parameter_size=0.0')} -- stage_id=0\n`, 'g.txt');
    assert.equal(g.nodes[0].activationBytes, 7.5);
  });

  it('reports malformed files with the line number', () => {
    parseFails(`${n('node1')}\nnode2 -- ReLU -- forward_compute_time=1.0, backward_compute_time=2.0, activation_size=8.0\n`, 'g.txt:2: node2: missing field parameter_size');
    parseFails(`${n('node1')}\n${n('node2', 'forward_compute_time=abc, backward_compute_time=2.0, activation_size=8.0, parameter_size=4.0')}\n`, "g.txt:2: node2: forward_compute_time must be a number >= 0, got 'abc'");
    parseFails(`${n('node1')}\n${n('node2', 'forward_compute_time=1, backward_compute_time=-2, activation_size=8.0, parameter_size=4.0')}\n`, "g.txt:2: node2: backward_compute_time must be a number >= 0, got '-2'");
    parseFails(`${n('node1')}\n${n('node1')}\n`, 'g.txt:2: node node1 already defined on line 1');
    parseFails(`${n('node1')}\njust some words\n`, "g.txt:2: expected 'nodeN -- description -- forward_compute_time=..., backward_compute_time=..., activation_size=..., parameter_size=...'");
    parseFails(`${n('node1')}\n${n('node2')}\n\tnode1 -- node3\n`, 'g.txt:3: edge names unknown node node3');
    parseFails(`${n('node1')}\n\tnode1 node2\n`, "g.txt:2: expected an edge '\\tnodeA -- nodeB', got 'node1 node2'");
    parseFails(`${n('node1')}\n\tnode1 -- node1\n`, 'g.txt:2: edge from node1 to itself');
    parseFails(`${n('node1')}\n\tnode1 -- node1x\n${n('node2')}\n`, 'g.txt:3: node line after the edge lines (nodes come first, edges are tab-indented)');
    parseFails(`${n('node1', 'forward_compute_time=1.0, backward_compute_time=2.0, activation_size=8.0, parameter_size=4.0, flops=3')}\n`, "g.txt:1: node1: unknown field 'flops=3'");
    parseFails('\n\n', 'g.txt: no node lines');
  });

  it('rejects a cycle, naming a node on it', () => {
    parseFails(`${n('node1')}\n${n('node2')}\n${n('node3')}\n\tnode1 -- node2\n\tnode2 -- node3\n\tnode3 -- node2\n`, 'g.txt:2: node node2 is on a cycle, so the graph has no layer order');
  });
});
