import { strict as assert } from 'node:assert';
import { isDynpipeError } from '../../../runtime/errors.js';
import { describeInstruction, dispatch, isCompute, type Handlers, type Instruction } from '../../../runtime/schedule/instructions.js';

/** One instruction of every kind. */
const ALL: Instruction[] = [
  { kind: 'load-input', mb: 1 },
  { kind: 'load-labels', mb: 1 },
  { kind: 'recv-act', mb: 1, fromStage: 0 },
  { kind: 'forward', mb: 1, version: 2 },
  { kind: 'send-act', mb: 1, toStage: 2 },
  { kind: 'recv-grad', mb: 1, fromStage: 2 },
  { kind: 'backward', mb: 1, version: 2 },
  { kind: 'send-grad', mb: 1, toStage: 0 },
  { kind: 'allreduce-grads', version: 3 },
  { kind: 'step', version: 3 },
];

describe('instructions', () => {
  it('dispatches each kind to its own handler with the typed variant', () => {
    const seen: string[] = [];
    const table: Handlers<number> = {
      'load-input': (i) => (seen.push(i.kind), i.mb),
      'load-labels': (i) => (seen.push(i.kind), i.mb),
      'recv-act': (i) => (seen.push(i.kind), i.fromStage),
      forward: (i) => (seen.push(i.kind), i.version),
      'send-act': (i) => (seen.push(i.kind), i.toStage),
      'recv-grad': (i) => (seen.push(i.kind), i.fromStage),
      backward: (i) => (seen.push(i.kind), i.version),
      'send-grad': (i) => (seen.push(i.kind), i.toStage),
      'allreduce-grads': (i) => (seen.push(i.kind), i.version),
      step: (i) => (seen.push(i.kind), i.version),
    };
    assert.deepEqual(ALL.map((i) => dispatch(table, i)), [1, 1, 0, 2, 2, 2, 2, 0, 3, 3]);
    assert.deepEqual(seen, ALL.map((i) => i.kind));
    const alien = { kind: 'recompute', mb: 0 } as unknown as Instruction;
    assert.throws(() => dispatch(table, alien), (e: unknown) => isDynpipeError(e, 'E_SCHEDULE') && e.message === "unknown instruction kind 'recompute'");
  });

  it('makes a dispatch table without a handler for every kind a compile error', () => {
    // @ts-expect-error -- 'step' has no handler: this line must not compile
    const missing: Handlers<void> = {
      'load-input': () => {},
      'load-labels': () => {},
      'recv-act': () => {},
      forward: () => {},
      'send-act': () => {},
      'recv-grad': () => {},
      backward: () => {},
      'send-grad': () => {},
      'allreduce-grads': () => {},
    };
    assert.equal(Object.keys(missing).length, 9);
  });

  it('describes each kind in one line and tells compute apart', () => {
    assert.deepEqual(ALL.map(describeInstruction), [
      'load-input mb 1',
      'load-labels mb 1',
      'recv-act mb 1 from stage 0',
      'forward mb 1 v2',
      'send-act mb 1 to stage 2',
      'recv-grad mb 1 from stage 2',
      'backward mb 1 v2',
      'send-grad mb 1 to stage 0',
      'allreduce-grads v3',
      'step v3',
    ]);
    assert.deepEqual(ALL.filter(isCompute).map((i) => i.kind), ['forward', 'backward']);
  });
});
