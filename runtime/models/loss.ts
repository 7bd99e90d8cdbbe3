/**
 * Training losses, both through log-softmax (stable for large logits):
 *  - softmax cross-entropy on int class labels, mean over the batch;
 *  - masked-LM cross-entropy on int targets per position, where -1 means "ignore"; mean over the
 *    positions not ignored (0 when every position is ignored).
 * Labels outside [0, classes) other than -1 contribute nothing; the data loader must not make them.
 */
import * as tf from '@tensorflow/tfjs';
import type { LossKind } from './block.js';

/** logits [N, C], labels int32 [N] -> scalar. */
export function softmaxCrossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy((): tf.Scalar => {
    const classes = logits.shape[logits.shape.length - 1];
    const logp = tf.logSoftmax(logits);
    const picked = tf.sum(tf.mul(logp, tf.oneHot(tf.cast(labels, 'int32'), classes)), -1);
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  });
}

/** logits [N, S, V], targets int32 [N, S] with -1 = ignore -> scalar. */
export function maskedLmCrossEntropy(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.tidy((): tf.Scalar => {
    const vocab = logits.shape[logits.shape.length - 1];
    const t = tf.cast(targets, 'int32');
    const keep = tf.greaterEqual(t, 0);
    const safe = tf.where(keep, t, tf.zerosLike(t));
    const logp = tf.logSoftmax(logits);
    const picked = tf.mul(tf.sum(tf.mul(logp, tf.oneHot(safe, vocab)), -1), tf.cast(keep, 'float32'));
    const count = tf.maximum(tf.sum(tf.cast(keep, 'float32')), 1);
    return tf.neg(tf.div(tf.sum(picked), count)) as tf.Scalar;
  });
}

export function lossFunction(kind: LossKind): (logits: tf.Tensor, labels: tf.Tensor) => tf.Scalar {
  switch (kind) {
    case 'softmax-cross-entropy':
      return softmaxCrossEntropy;
    case 'masked-lm':
      return maskedLmCrossEntropy;
  }
}
