import { strict as assert } from 'node:assert';
import { parseRunResults, summaryTables } from '../../bench/webgpu-run-summary.js';

/** A results file as bench/webgpu-gpu-node.sh C writes it, cut down, with round numbers. */
const RESULTS = `# webgpu kernels on the GPU node, part C
### tfjs webgpu kernels vs ours (ms per call, GPU timestamps)
\`\`\`
$ node dist/bench/webgpu-kernels.js --limit-s 54
\`\`\`
webgpu on NVIDIA; GPU time from timestamp queries

| shape | kernel | variant | GFLOP | ms | TFLOP/s | vs tfjs | tiling |
|---|---|---|---:|---:|---:|---:|---|
| 32x32x64, 3x3 same, batch 256 | Conv2D | tfjs | 19.33 | 4.700 | 4.11 |  |  |
| 32x32x64, 3x3 same, batch 256 | Conv2D | ours | 19.33 | 2.000 | 9.67 | 2.35x | 128x64 |
| 32x32x64, 3x3 same, batch 256 | Conv2DBackpropFilter | tfjs | 19.33 | 150.000 | 0.13 |  |  |
| 32x32x64, 3x3 same, batch 256 | Conv2DBackpropFilter | ours | 19.33 | timeout |  |  |  |

(exit 0, 20 s)

### PyTorch, the same kernels (fp32, and TF32 for reference)
| shape | kernel | variant | GFLOP | ms | TFLOP/s |
|---|---|---|---:|---:|---:|
| 32x32x64, 3x3 same, batch 256 | Conv2D | torch fp32 | 19.33 | 1.000 | 19.33 |
| 32x32x64, 3x3 same, batch 256 | Conv2D | torch tf32 | 19.33 | 0.500 | 38.66 |

### PyTorch fp32 training step, batch 256
| backend | device | model | batch | forward samples/s | forward GFLOP/s | train samples/s | train/forward per sample |
|---|---|---|---:|---:|---:|---:|---:|
| pytorch 2.11.0+cu130 | NVIDIA H100 80GB HBM3 | vgg16 | 256 | 45956.7 | 28866.85 | 15000.0 | 3.01 |

### tfjs webgpu training step, batch 256, our kernels: vgg16
| webgpu | NVIDIA | vgg16 | 256 | 4000.0 | 2512.53 | 1500.0 | 2.67 |

### tfjs webgpu training step, batch 256, tfjs's kernels: vgg16
| webgpu | NVIDIA | vgg16 [1 of 2 timed runs: time limit] | 256 | 4000.0 | 2512.53 | 100.0 | 40.00 |

### tfjs webgpu training step, batch 256, our kernels: resnet50
| webgpu | NVIDIA | resnet50 (width=0.5) | 256 | 900.0 | 100.00 | 300.0 | 3.00 |

### ours at every tile shape (sweep)
| 32x32x64, 3x3 same, batch 256 | Conv2D | tfjs | 19.33 | 9.000 | 2.15 |  |  |
| 32x32x64, 3x3 same, batch 256 | Conv2D | ours, 128x128 | 19.33 | 3.000 | 6.44 | 3.00x |  |
`;

describe('webgpu GPU-node run summary', () => {
  it('reads kernel rows (first of repeats, no sweep variants) and training rows by section', () => {
    const r = parseRunResults(RESULTS);
    assert.deepEqual(
      r.kernels.map((k) => [k.kernel, k.variant, k.ms]),
      [
        ['Conv2D', 'tfjs', 4.7],
        ['Conv2D', 'ours', 2],
        ['Conv2DBackpropFilter', 'tfjs', 150],
        ['Conv2DBackpropFilter', 'ours', NaN],
        ['Conv2D', 'torch fp32', 1],
        ['Conv2D', 'torch tf32', 0.5],
      ],
    );
    assert.deepEqual(r.training, [
      { who: 'pytorch', model: 'vgg16', batch: 256, trainSamplesPerS: 15000 },
      { who: 'ours', model: 'vgg16', batch: 256, trainSamplesPerS: 1500 },
      { who: 'tfjs', model: 'vgg16', batch: 256, trainSamplesPerS: 100 },
      { who: 'ours', model: 'resnet50', batch: 256, trainSamplesPerS: 300 },
    ]);
  });

  it("prints the issue's tables: speed-ups, percentages of PyTorch, dashes for what is missing", () => {
    const lines = summaryTables(parseRunResults(RESULTS)).split('\n');
    // 19.33 GFLOP / 4.7 ms = 4.1 TFLOP/s; 4.7 / 2 = 2.35x; 1 ms / 2 ms = 50% of PyTorch's speed
    assert.equal(lines[2], '| 32x32x64, 3x3 same, batch 256 | Conv2D | 4.70 ms (4.1 TFLOP/s) | 2.00 ms (9.7 TFLOP/s) | 2.35x | 1.00 ms (19.3 TFLOP/s) | 50% |');
    assert.equal(lines[3], '| 32x32x64, 3x3 same, batch 256 | Conv2DBackpropFilter | 150.00 ms (0.1 TFLOP/s) | — | — | — | — |');
    assert.equal(lines.length, 2 + 2 + 1 + 2 + 2 + 1); // head, 2 kernel rows, blank, head, 2 models, final newline
    // 15000 / 1500 = 10x PyTorch's step time; 15000 / 100 = 150x
    assert.equal(lines[7], '| vgg16 | 256 | 15000.0 | 1500.0 | 100.0 | 10.0x | 150.0x |');
    assert.equal(lines[8], '| resnet50 | 256 | — | 300.0 | — | — | — |');
  });
});
