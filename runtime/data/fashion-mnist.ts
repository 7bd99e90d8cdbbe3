/**
 * Fashion-MNIST and MNIST: 28x28x1 grey images in 10 classes, the same four IDX files each
 * (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-...`; raw or .gz). Inputs are
 * pixel/255 in [0, 1], shape [28, 28, 1]; labels are class indices 0..9. Train has 60000
 * samples, test 10000.
 */
import type { Split } from './dataset.js';
import type { ByteImageDataset } from './byte-images.js';
import { findDataFile, locateDataDir, DATA_DIR_ENV, type FileDatasetOptions } from './files.js';
import { openIdxPair } from './idx.js';

/** Where Debian's `dataset-fashion-mnist` package installs the files. */
export const FASHION_MNIST_SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';

const FILE_PREFIX: Record<Split, string> = { train: 'train', test: 't10k' };

function openMnistLike(name: string, systemDir: string | undefined, hint: string, o: FileDatasetOptions): ByteImageDataset {
  const prefix = FILE_PREFIX[o.split];
  const dir = locateDataDir({ dataset: name, dataDir: o.dataDir, env: o.env, systemDir, marker: `${prefix}-images-idx3-ubyte`, hint });
  return openIdxPair({
    name,
    split: o.split,
    imagesFile: findDataFile(dir, `${prefix}-images-idx3-ubyte`),
    labelsFile: findDataFile(dir, `${prefix}-labels-idx1-ubyte`),
    rows: 28,
    cols: 28,
    numClasses: 10,
  });
}

export function openFashionMnist(o: FileDatasetOptions): ByteImageDataset {
  const hint = `install it with \`apt-get install dataset-fashion-mnist\` (puts it in ${FASHION_MNIST_SYSTEM_DIR}) or pass --data-dir DIR (or set ${DATA_DIR_ENV})`;
  return openMnistLike('fashion-mnist', FASHION_MNIST_SYSTEM_DIR, hint, o);
}

/** MNIST has no Debian package: the directory must come from --data-dir or DYNPIPE_DATA_DIR. */
export function openMnist(o: FileDatasetOptions): ByteImageDataset {
  const hint = `pass --data-dir DIR (or set ${DATA_DIR_ENV}) naming a directory with the four MNIST IDX files`;
  return openMnistLike('mnist', undefined, hint, o);
}
