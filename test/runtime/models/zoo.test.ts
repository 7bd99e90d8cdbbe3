import { strict as assert } from 'node:assert';
import { buildModel, modelNames } from '../../../runtime/models/zoo.js';
import { parseArgList } from '../../../runtime/models/args.js';
import { isDynpipeError } from '../../../runtime/errors.js';
import { TINY } from './reference.js';
import { blockParamCount, type ModelSpec } from '../../../runtime/models/block.js';

function rejects(name: string, args: Record<string, number | string | boolean>, message: RegExp): void {
  assert.throws(() => buildModel(name, args), (e) => isDynpipeError(e, 'E_MODEL') && message.test(e.message));
}

describe('model zoo', () => {
  it('lists every model, and each tiny config has a chained shape contract', () => {
    assert.deepEqual([...modelNames()].sort(), Object.keys(TINY).sort());
    for (const name of modelNames()) {
      const m = buildModel(name, TINY[name]);
      assert.equal(m.name, name);
      assert.deepEqual(m.blocks[0].inputShape, m.inputShape);
      for (let i = 1; i < m.blocks.length; i++) assert.deepEqual(m.blocks[i].inputShape, m.blocks[i - 1].outputShape, `${name} block ${i}`);
      const last = m.blocks[m.blocks.length - 1].outputShape;
      assert.deepEqual(last, [...m.labelShape, m.numClasses]);
      for (const b of m.blocks) {
        assert.ok(b.flops > 0 && Number.isInteger(b.flops), `${name}.${b.name} flops ${b.flops}`);
        const names = b.params.map((p) => p.name);
        assert.equal(new Set(names).size, names.length, `${name}.${b.name} repeats a param name`);
        for (const p of names) assert.match(p, /^[A-Za-z_][A-Za-z0-9_]*$/);
      }
    }
  });

  it('fills defaults into args and rebuilds identically from them', () => {
    const m = buildModel('tinycnn');
    assert.deepEqual(m.args, { inputHeight: 28, inputWidth: 28, inputChannels: 1, numClasses: 10, channels: 16 });
    const again = buildModel(m.name, m.args);
    assert.deepEqual(again.blocks.map((b) => [b.name, b.outputShape, b.flops]), m.blocks.map((b) => [b.name, b.outputShape, b.flops]));
  });

  it('counts forward FLOPs of a conv and a dense block by hand', () => {
    const m = buildModel('tinycnn');
    // conv1: 28x28x16 outputs, each 3*3*1 multiply-adds, plus bias and ReLU per output
    assert.equal(m.blocks[0].flops, 2 * 28 * 28 * 16 * 9 + 2 * 28 * 28 * 16);
    // pool1: a 2x2 window per 14x14x16 output
    assert.equal(m.blocks[1].flops, 4 * 14 * 14 * 16);
    // head: 7*7*32 -> 10 dense plus bias
    assert.equal(m.blocks[4].flops, 2 * 1568 * 10 + 10);
    const mlp = buildModel('mlp', { hidden: 100, layers: 1 });
    assert.equal(mlp.blocks[0].flops, 2 * 784 * 100 + 2 * 100);
  });

  it('counts a resnet50 bottleneck by hand and matches the usual size of the full models', () => {
    const resnet = buildModel('resnet50');
    const b = resnet.blocks[1]; // layer1.0: 32x32x64 in, planes 64, 256 out, projection shortcut
    assert.deepEqual([b.kind, b.outputShape], ['residual', [32, 32, 256]]);
    const px = 32 * 32;
    const convs = 2 * px * (64 * 64 + 9 * 64 * 64 + 64 * 256 + 64 * 256);
    const elementwise = px * (2 * 64 + 2 * 64 + 3 * 256 + 256); // BN+ReLU, BN+ReLU, BN+add+ReLU, shortcut BN
    assert.equal(b.flops, convs + elementwise);
    const trainable = (m: ModelSpec) => m.blocks.reduce((s, blk) => s + blockParamCount(blk), 0);
    assert.equal(resnet.blocks.length, 19);
    assert.equal(trainable(resnet), 23_520_842); // CIFAR ResNet-50, 10 classes, as commonly reported
    const vgg = buildModel('vgg16');
    assert.equal(vgg.blocks.length, 21);
    // 13 bias-free convs with BN, then 512 -> 512 -> 512 -> 10
    assert.equal(trainable(vgg), 14_728_266 - 4224 - 5130 + 2 * (512 * 512 + 512) + 5130);
  });

  it('counts a bert encoder layer as 24 S h^2 + 4 S^2 h matmul FLOPs plus elementwise work', () => {
    const bert = buildModel('bert', { seqLen: 64, hidden: 128, heads: 4, ffn: 512 });
    const enc = bert.blocks[1];
    assert.equal(enc.kind, 'attention');
    const matmuls = 24 * 64 * 128 ** 2 + 4 * 64 ** 2 * 128;
    assert.ok(enc.flops > matmuls && enc.flops < 1.01 * matmuls, `${enc.flops} vs ${matmuls}`);
    assert.deepEqual(bert.blocks.map((blk) => blk.kind), ['embedding', 'attention', 'attention', 'attention', 'attention', 'head']);
    assert.deepEqual([bert.inputDtype, bert.labelShape, bert.blocks[5].outputShape], ['int32', [64], [64, 1000]]);
  });

  it('rejects unknown models and bad arguments with one clear line', () => {
    assert.throws(() => buildModel('alexnet'), (e) => isDynpipeError(e, 'E_MODEL') && /unknown model 'alexnet' \(known: .*mlp/.test(e.message));
    rejects('mlp', { depth: 3 }, /model mlp: unknown argument 'depth' \(known: .*hidden/);
    rejects('mlp', { hidden: 2.5 }, /argument 'hidden' must be an integer, got 2\.5/);
    rejects('mlp', { hidden: '8' }, /argument 'hidden' must be a number, got '8'/);
    rejects('tinycnn', { numClasses: 1 }, /argument 'numClasses' must be in \[2, inf\], got 1/);
    rejects('bert', { hidden: 10, heads: 4 }, /model bert: hidden \(10\) must be a multiple of heads \(4\)/);
    rejects('bert', { ln: 'mid' }, /argument 'ln' must be one of post\|pre, got 'mid'/);
    rejects('vgg16', { width: 0 }, /argument 'width' must be in/);
  });

  it('parses key=value argument lists with typed values', () => {
    assert.deepEqual(parseArgList('hidden=16, ln=pre,flag=true,width=0.25'), { hidden: 16, ln: 'pre', flag: true, width: 0.25 });
    assert.deepEqual(parseArgList(''), {});
    assert.throws(() => parseArgList('hidden'), (e) => isDynpipeError(e, 'E_MODEL') && /'hidden' is not key=value/.test(e.message));
    assert.throws(() => parseArgList('a=1,a=2'), (e) => isDynpipeError(e, 'E_MODEL') && /'a' is given twice/.test(e.message));
  });
});
