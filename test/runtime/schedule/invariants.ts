/**
 * Shared checks for every generated pipeline (not a test file itself): each rule is asserted from
 * the streams alone, independently of how the schedules build them.
 */
import { strict as assert } from 'node:assert';
import type { Instruction, InstructionKind, InstructionOf, Slot } from '../../../runtime/schedule/instructions.js';
import { describeFailure, runLockstep } from '../../../runtime/schedule/lockstep.js';
import { scheduleAllStages, type ScheduleKind, type ScheduleOptions } from '../../../runtime/schedule/schedule.js';
import { replayStash } from '../../../runtime/schedule/stash-ledger.js';

export type PipelineCase = Omit<ScheduleOptions, 'stage'> & { readonly capacity: number };

function flat(slots: readonly Slot[]): Instruction[] {
  const out: Instruction[] = [];
  for (const slot of slots) out.push(...slot);
  return out;
}

function ofKind<K extends InstructionKind>(instructions: readonly Instruction[], kind: K): Array<InstructionOf<K>> {
  return instructions.filter((i): i is InstructionOf<K> => i.kind === kind);
}

const range = (first: number, n: number): number[] => Array.from({ length: n }, (_, j) => first + j);
const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);

/** Forwards before the first backward on each stage, and the in-flight bound, as each schedule documents it. */
export function expectedWarmUp(kind: ScheduleKind, c: PipelineCase, stage: number): number {
  const n = c.microbatches;
  if (kind === 'gpipe') return Math.min(n, c.microbatchesPerStep ?? n);
  return Math.min(n, Math.max(1, (c.inFlight ?? c.stages) - stage));
}

/** Runs every check on one pipeline; the message of a failure names the case. */
export function checkPipeline(kind: ScheduleKind, c: PipelineCase): void {
  const name = `${kind} ${JSON.stringify(c)}`;
  const streams = scheduleAllStages(kind, c);
  const { stages: p, microbatches: n } = c;
  const first = c.first ?? 0;
  const v0 = c.v0 ?? 0;
  const mbs = range(first, n);
  const steps = kind === '1f1b' ? n : Math.ceil(n / (c.microbatchesPerStep ?? n));

  const run = runLockstep(streams, { capacity: c.capacity });
  assert.ok(run.ok, `${name}: ${describeFailure(run)}`);

  const flattened = streams.map(flat);
  for (let s = 0; s < p; s++) {
    const is = flattened[s];
    const at = `${name} stage ${s}`;
    // one compute per slot
    for (const slot of streams[s]) assert.equal(slot.filter((i) => i.kind === 'forward' || i.kind === 'backward').length, 1, at);
    // each microbatch forwarded once and backwarded once, backward after forward
    const fwd = ofKind(is, 'forward').map((i) => i.mb);
    const bwd = ofKind(is, 'backward').map((i) => i.mb);
    assert.deepEqual(sorted(fwd), mbs, `${at}: forwards`);
    assert.deepEqual(sorted(bwd), mbs, `${at}: backwards`);
    const forwardAt = new Map<number, number>();
    is.forEach((i, k) => {
      if (i.kind === 'forward') forwardAt.set(i.mb, k);
      if (i.kind === 'backward') assert.ok(forwardAt.has(i.mb), `${at}: backward of mb ${i.mb} before its forward`);
    });
    // loads at the ends of the pipeline only
    assert.deepEqual(ofKind(is, 'load-input').map((i) => i.mb), s === 0 ? fwd : [], `${at}: load-input`);
    assert.deepEqual(ofKind(is, 'load-labels').map((i) => i.mb), s === p - 1 ? fwd : [], `${at}: load-labels`);
    // steps: v0, v0 + 1, ... one per update; allreduce right before each step iff replicated
    assert.deepEqual(ofKind(is, 'step').map((i) => i.version), range(v0, steps), `${at}: step versions`);
    is.forEach((i, k) => {
      if (i.kind === 'allreduce-grads') assert.deepEqual(is[k + 1], { kind: 'step', version: i.version }, `${at}: allreduce`);
    });
    assert.equal(ofKind(is, 'allreduce-grads').length, c.replicated ? steps : 0, `${at}: allreduces`);
    // weight stashing, and the documented in-flight bound
    const ledger = replayStash(s, v0, streams[s]);
    assert.equal(ledger.inFlight, 0, `${at}: window must end drained`);
    assert.equal(ledger.live, v0 + steps, `${at}: final version`);
    const warmUp = expectedWarmUp(kind, c, s);
    assert.equal(ledger.maxInFlight, warmUp, `${at}: stash depth`);
    assert.ok(ledger.maxVersions <= (kind === '1f1b' ? warmUp : 1), `${at}: versions ${ledger.maxVersions} > bound`);
    // 1f1b reaches the version bound once the steady phase has run W - 1 pairs: n >= 2W - 1
    if (kind === '1f1b' && n >= 2 * warmUp - 1) assert.equal(ledger.maxVersions, warmUp, `${at}: versions`);
    assert.equal(countForwardsBeforeFirstBackward(is), warmUp, `${at}: warm-up forwards`);
  }
  // pairing across stages: what s sends to s + 1 is what s + 1 receives from s, in the same order
  for (let s = 0; s + 1 < p; s++) {
    const down = flattened[s];
    const up = flattened[s + 1];
    const sentActs = ofKind(down, 'send-act');
    assert.ok(sentActs.every((i) => i.toStage === s + 1), `${name}: stage ${s} sends activations elsewhere`);
    assert.deepEqual(ofKind(up, 'recv-act').map((i) => [i.fromStage, i.mb]), sentActs.map((i) => [s, i.mb]), `${name}: acts ${s}->${s + 1}`);
    const sentGrads = ofKind(up, 'send-grad');
    assert.ok(sentGrads.every((i) => i.toStage === s), `${name}: stage ${s + 1} sends gradients elsewhere`);
    assert.deepEqual(ofKind(down, 'recv-grad').map((i) => [i.fromStage, i.mb]), sentGrads.map((i) => [s + 1, i.mb]), `${name}: grads ${s + 1}->${s}`);
  }
}

function countForwardsBeforeFirstBackward(is: readonly Instruction[]): number {
  const firstBackward = is.findIndex((i) => i.kind === 'backward');
  return is.slice(0, firstBackward).filter((i) => i.kind === 'forward').length;
}
