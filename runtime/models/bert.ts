/**
 * bert: a BERT-style masked language model. Blocks: embedding (token + position embedding, layer
 * norm), one block per encoder layer (multi-head self-attention and a GELU feed-forward, each
 * with its residual inside the block; post-LN as in BERT, or pre-LN with `ln: 'pre'`), and the
 * MLM head (dense + GELU + layer norm + decoder to vocabulary logits, untied from the embedding
 * because the two usually live on different stages). Input: int32 token ids [seqLen]; labels:
 * int32 [seqLen] targets with -1 for positions that are not predicted. Dropout omitted.
 */
import * as tf from '@tensorflow/tfjs';
import type { Block, ModelSpec, ParamSpec } from './block.js';
import { resolveArgs, type ArgValue } from './args.js';
import { dense, gelu, layerNorm, normParams } from './layers.js';
import { selfAttention, selfAttentionFlops } from './attention.js';
import { check } from '../errors.js';

export const BERT_ARGS = {
  vocabSize: { kind: 'int', default: 1000, min: 2 },
  seqLen: { kind: 'int', default: 64, min: 1 },
  hidden: { kind: 'int', default: 128, min: 1 },
  layers: { kind: 'int', default: 4, min: 1 },
  heads: { kind: 'int', default: 4, min: 1 },
  ffn: { kind: 'int', default: 512, min: 1 },
  ln: { kind: 'enum', default: 'post', values: ['post', 'pre'] },
} as const;

/** BERT initialises every weight from N(0, 0.02). */
function weight(name: string, shape: number[]): ParamSpec {
  return { name, shape, init: { kind: 'normal', std: 0.02 }, trainable: true };
}

function zeros(name: string, n: number): ParamSpec {
  return { name, shape: [n], init: { kind: 'zeros' }, trainable: true };
}

function embeddingBlock(vocab: number, seqLen: number, hidden: number): Block {
  return {
    name: 'embedding',
    kind: 'embedding',
    inputShape: [seqLen],
    inputDtype: 'int32',
    outputShape: [seqLen, hidden],
    params: [weight('token', [vocab, hidden]), weight('position', [seqLen, hidden]), ...normParams('ln', hidden, false)],
    flops: 2 * seqLen * hidden, // position add, layer norm
    apply(p, x) {
      return { y: layerNorm(tf.add(tf.gather(p.token, x), p.position), p, 'ln') };
    },
  };
}

function encoderBlock(index: number, seqLen: number, hidden: number, heads: number, ffn: number, preLn: boolean): Block {
  const feedForward = (x: tf.Tensor, p: Readonly<Record<string, tf.Tensor>>) => dense(gelu(dense(x, p.w1, p.b1)), p.w2, p.b2);
  const tokens = seqLen * hidden;
  return {
    name: `encoder${index}`,
    kind: 'attention',
    inputShape: [seqLen, hidden],
    inputDtype: 'float32',
    outputShape: [seqLen, hidden],
    params: [
      weight('wqkv', [hidden, 3 * hidden]), zeros('bqkv', 3 * hidden), weight('wo', [hidden, hidden]), zeros('bo', hidden),
      ...normParams('ln1', hidden, false),
      weight('w1', [hidden, ffn]), zeros('b1', ffn), weight('w2', [ffn, hidden]), zeros('b2', hidden),
      ...normParams('ln2', hidden, false),
    ],
    // attention; two residual adds and two layer norms; FFN matmuls, biases and GELU
    flops: selfAttentionFlops(seqLen, hidden, heads) + 4 * tokens + 4 * seqLen * hidden * ffn + 2 * seqLen * ffn + tokens,
    apply(p, x) {
      if (preLn) {
        const a = tf.add(x, selfAttention(layerNorm(x, p, 'ln1'), p, heads));
        return { y: tf.add(a, feedForward(layerNorm(a, p, 'ln2'), p)) };
      }
      const a = layerNorm(tf.add(x, selfAttention(x, p, heads)), p, 'ln1');
      return { y: layerNorm(tf.add(a, feedForward(a, p)), p, 'ln2') };
    },
  };
}

function mlmHeadBlock(seqLen: number, hidden: number, vocab: number): Block {
  return {
    name: 'mlm_head',
    kind: 'head',
    inputShape: [seqLen, hidden],
    inputDtype: 'float32',
    outputShape: [seqLen, vocab],
    params: [weight('w', [hidden, hidden]), zeros('b', hidden), ...normParams('ln', hidden, false), weight('decoder_w', [hidden, vocab]), zeros('decoder_b', vocab)],
    // transform matmul, bias, GELU, layer norm; decoder matmul and bias
    flops: 2 * seqLen * hidden * hidden + 3 * seqLen * hidden + 2 * seqLen * hidden * vocab + seqLen * vocab,
    apply(p, x) {
      const h = layerNorm(gelu(dense(x, p.w, p.b)), p, 'ln');
      return { y: dense(h, p.decoder_w, p.decoder_b) };
    },
  };
}

export function buildBert(given?: Readonly<Record<string, ArgValue>>): ModelSpec {
  const args = resolveArgs('bert', BERT_ARGS, given);
  check(args.hidden % args.heads === 0, 'E_MODEL', () => `model bert: hidden (${args.hidden}) must be a multiple of heads (${args.heads})`);
  const blocks: Block[] = [embeddingBlock(args.vocabSize, args.seqLen, args.hidden)];
  for (let i = 0; i < args.layers; i++) blocks.push(encoderBlock(i + 1, args.seqLen, args.hidden, args.heads, args.ffn, args.ln === 'pre'));
  blocks.push(mlmHeadBlock(args.seqLen, args.hidden, args.vocabSize));
  return {
    name: 'bert', args, blocks, inputShape: [args.seqLen], inputDtype: 'int32', labelShape: [args.seqLen], loss: 'masked-lm', numClasses: args.vocabSize,
  };
}
