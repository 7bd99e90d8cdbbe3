/**
 * WGSL for a tiled GEMM whose operands are read through loader functions, so one shader serves a
 * plain matrix product and the implicit GEMMs of convolutions (the im2col matrix is never built:
 * the loader maps (row, k) to an input element, or to zero in the padding).
 *
 *   C[z, m, n] = sum over k in slice s of A(m, k) * B(k, n),   z = batch * splits + s
 *
 * Workgroup (bx, by, z) computes the tileM x tileN block of C at rows bx*tileM, columns by*tileN,
 * for k in [s*kPerSplit, (s+1)*kPerSplit). Per step of tileK, every invocation loads its share of
 * the A tile (tileK x tileM) and the B tile (tileK x tileN) into registers, the tiles go to
 * workgroup memory (k-major, as vec4 along m and n), and the next step's loads are issued before
 * the multiply-adds of this one (register prefetch). Invocation (tx, ty) holds rows
 * (i*TY + ty)*4 + r and columns (j*TX + tx)*4 .. +3 of the tile: whole vec4s, read from workgroup
 * memory without bank conflicts, and neighbouring invocations write neighbouring columns.
 *
 * Loaders (`OperandLoad`) are called only with row < M (or column < N) and k < K; outside, the
 * shader supplies zeros. A vec4 load along an axis needs that axis's extent to be a multiple of 4
 * so that a vector is either wholly inside or wholly outside. The loop over k steps has a constant
 * trip count (kPerSplit / tileK), so the barriers in it are in uniform control flow; steps past K
 * in the last slice load zeros.
 */
import type { GemmShape, GemmTiling } from './gemm-tiling.js';
import { invocations } from './gemm-tiling.js';

export interface OperandLoad {
  /** 'outer': `width` consecutive elements along m (for A) or n (for B) per load; 'k': along the reduction. */
  readonly along: 'outer' | 'k';
  readonly width: 1 | 4;
  /** WGSL body of `fn(mn: i32, batch: i32) -> vec4<i32>`: what a row of A (column of B) needs, computed once. */
  readonly info: string;
  /** WGSL body of `fn(info: vec4<i32>, mn: i32, k: i32) -> f32` (or vec4<f32> for width 4). */
  readonly load: string;
  /** Text naming everything `info` and `load` bake in, for the pipeline cache key. */
  readonly key: string;
}

export interface GemmSpec {
  readonly shape: GemmShape;
  readonly a: OperandLoad;
  readonly b: OperandLoad;
}

/** Storage type of C: vec4 when every row of C is a whole number of vec4s. */
export function outputComponent(shape: GemmShape): 1 | 4 {
  return shape.n % 4 === 0 ? 4 : 1;
}

function valueType(width: 1 | 4): string {
  return width === 4 ? 'vec4<f32>' : 'f32';
}

interface OperandSlots {
  /** WGSL computing this invocation's fixed offsets and loader info, before the k loop. */
  readonly setup: string;
  /** WGSL loading step `kBase` into the registers. */
  readonly fetch: (kBase: string) => string;
  /** WGSL storing the registers into the workgroup tile. */
  readonly store: string;
}

/** Per-invocation load slots of one operand (A with outer = m, B with outer = n). */
function operandSlots(name: 'a' | 'b', load: OperandLoad, outerTile: number, tiling: GemmTiling): OperandSlots {
  const threads = invocations(tiling);
  const vectors = (tiling.tileK * outerTile) / load.width;
  if (vectors % threads !== 0) throw new Error(`tile ${tiling.tileK}x${outerTile} of ${name} is not a whole number of loads per invocation`);
  const rounds = vectors / threads;
  const tile = name === 'a' ? 'tileA' : 'tileB';
  const origin = name === 'a' ? 'm0' : 'n0';
  const rowVecs = outerTile / 4;
  const zero = load.width === 4 ? 'vec4<f32>(0.0)' : '0.0';
  const setup: string[] = [];
  const store: string[] = [];
  for (let s = 0; s < rounds; s++) {
    const v = `(li + ${s * threads})`;
    // Neighbouring invocations take neighbouring rows (columns) of the tile: along 'outer' that
    // is also contiguous memory; along 'k' it keeps their scalar stores into the k-major tile
    // free of bank conflicts (the rest of each row's k values are read by other invocations of
    // the workgroup in the same step, so the cache lines are not wasted).
    const [kOff, oOff] =
      load.along === 'outer'
        ? [`${v} / ${outerTile / load.width}`, `(${v} % ${outerTile / load.width}) * ${load.width}`]
        : [`(${v} / ${outerTile}) * ${load.width}`, `${v} % ${outerTile}`];
    setup.push(
      `let ${name}K${s} = ${kOff};`,
      `let ${name}O${s} = ${oOff};`,
      `let ${name}Mn${s} = ${origin} + ${name}O${s};`,
      `let ${name}Info${s} = ${name}Info(${name}Mn${s}, batch);`,
      `var ${name}Reg${s} = ${zero};`,
    );
    const cell = (dk: number) => `${tile}[(${name}K${s} + ${dk}) * ${rowVecs} + ${name}O${s} / 4]`;
    if (load.along === 'outer' && load.width === 4) store.push(`${cell(0)} = ${name}Reg${s};`);
    else if (load.width === 1) store.push(`${cell(0)}[${name}O${s} % 4] = ${name}Reg${s};`);
    else for (let j = 0; j < 4; j++) store.push(`${cell(j)}[${name}O${s} % 4] = ${name}Reg${s}[${j}];`);
  }
  return {
    setup: setup.join('\n    '),
    fetch: (kBase) =>
      Array.from({ length: rounds }, (_, s) => `${name}Reg${s} = ${name}Get(${name}Info${s}, ${name}Mn${s}, ${kBase} + ${name}K${s});`).join('\n      '),
    store: store.join('\n      '),
  };
}

function operandFunctions(name: 'a' | 'b', load: OperandLoad, extent: string): string {
  const t = valueType(load.width);
  return `
  fn ${name}Info(mn: i32, batch: i32) -> vec4<i32> {
    ${load.info}
  }
  fn ${name}Load(info: vec4<i32>, mn: i32, k: i32) -> ${t} {
    ${load.load}
  }
  fn ${name}Get(info: vec4<i32>, mn: i32, k: i32) -> ${t} {
    if (mn < ${extent} && k < K) {
      return ${name}Load(info, mn, k);
    }
    return ${t}(0.0);
  }`;
}

/** The user code (after tfjs's prelude) of the GEMM described in the module comment. */
export function gemmShader(spec: GemmSpec, tiling: GemmTiling): string {
  const { m, n, k } = spec.shape;
  const { tileM, tileN, tileK, threadM, threadN, splits, kPerSplit } = tiling;
  const tx = tileN / threadN;
  const ty = tileM / threadM;
  const rowGroups = threadM / 4;
  const colGroups = threadN / 4;
  const a = operandSlots('a', spec.a, tileM, tiling);
  const b = operandSlots('b', spec.b, tileN, tiling);
  const acc = (i: number, r: number, j: number) => `acc${i}_${r}_${j}`;

  const declare: string[] = [];
  const multiply: string[] = [];
  const write: string[] = [];
  for (let i = 0; i < rowGroups; i++) multiply.push(`let a${i} = tileA[kk * ${tileM / 4} + ${i * ty} + ty];`);
  for (let j = 0; j < colGroups; j++) multiply.push(`let b${j} = tileB[kk * ${tileN / 4} + ${j * tx} + tx];`);
  const vectorOut = outputComponent(spec.shape) === 4;
  for (let i = 0; i < rowGroups; i++) {
    for (let r = 0; r < 4; r++) {
      write.push(`row = m0 + (${i * ty} + ty) * 4 + ${r};`);
      for (let j = 0; j < colGroups; j++) {
        declare.push(`var ${acc(i, r, j)} = vec4<f32>(0.0);`);
        multiply.push(`${acc(i, r, j)} = fma(vec4<f32>(a${i}[${r}]), b${j}, ${acc(i, r, j)});`);
        write.push(`col = n0 + (${j * tx} + tx) * 4;`);
        if (vectorOut) {
          write.push(`if (row < M && col < N) { result[((z * M + row) * N + col) / 4] = ${acc(i, r, j)}; }`);
        } else {
          for (let c = 0; c < 4; c++) write.push(`if (row < M && col + ${c} < N) { result[(z * M + row) * N + col + ${c}] = ${acc(i, r, j)}[${c}]; }`);
        }
      }
    }
  }

  return `
  const M = ${m};
  const N = ${n};
  const K = ${k};
  var<workgroup> tileA: array<vec4<f32>, ${(tileK * tileM) / 4}>;
  var<workgroup> tileB: array<vec4<f32>, ${(tileK * tileN) / 4}>;
  ${operandFunctions('a', spec.a, 'M')}
  ${operandFunctions('b', spec.b, 'N')}

  fn main() {
    _ = uniforms.NAN; // tfjs always binds its uniforms; a pipeline with layout 'auto' must use them
    let tx = i32(localId.x);
    let ty = i32(localId.y);
    let li = i32(localIndex);
    let z = i32(workgroupId.z);
    let batch = z / ${splits};
    let kStart = (z % ${splits}) * ${kPerSplit};
    let m0 = i32(workgroupId.x) * ${tileM};
    let n0 = i32(workgroupId.y) * ${tileN};
    ${a.setup}
    ${b.setup}
    ${declare.join('\n    ')}
    {
      ${a.fetch('kStart')}
      ${b.fetch('kStart')}
    }
    for (var step = 0; step < ${kPerSplit / tileK}; step++) {
      ${a.store}
      ${b.store}
      workgroupBarrier();
      if (step + 1 < ${kPerSplit / tileK}) {
        let kNext = kStart + (step + 1) * ${tileK};
        ${a.fetch('kNext')}
        ${b.fetch('kNext')}
      }
      for (var kk = 0; kk < ${tileK}; kk++) {
        ${multiply.join('\n        ')}
      }
      workgroupBarrier();
    }
    var row = 0;
    var col = 0;
    ${write.join('\n    ')}
  }
`;
}
