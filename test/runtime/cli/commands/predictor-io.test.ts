import { strict as assert } from 'node:assert';
import { formatModelChoice, modelOption, parseModelChoice } from '../../../../runtime/cli/commands/predictor-io.js';
import { isDynpipeError } from '../../../../runtime/errors.js';

describe('predictor CLI --model values', () => {
  it('parse name[:key=value,...] with typed values and print back the same text', () => {
    const m = parseModelChoice('vgg16:width=0.125,inputHeight=16');
    assert.deepEqual(m, { name: 'vgg16', args: { width: 0.125, inputHeight: 16 } });
    assert.equal(formatModelChoice(m), 'vgg16:width=0.125,inputHeight=16');
    assert.deepEqual(parseModelChoice('mlp'), { name: 'mlp', args: {} });
    assert.equal(formatModelChoice({ name: 'mlp', args: {} }), 'mlp');
    assert.deepEqual(modelOption('tinycnn', modelOption('mlp', undefined)).map((c) => c.name), ['mlp', 'tinycnn']);
  });

  it('refuse a bad name or argument list with E_USAGE naming the value', () => {
    assert.throws(() => parseModelChoice(':width=1'), (e: unknown) => isDynpipeError(e, 'E_USAGE') && e.message === "--model: expected name[:key=value,...], got ':width=1'");
    assert.throws(() => parseModelChoice('bert:layers=2,layers=3'), (e: unknown) => isDynpipeError(e, 'E_USAGE') && e.message === "--model 'bert:layers=2,layers=3': model argument 'layers' is given twice");
  });
});
