import { strict as assert } from 'node:assert';
import { InterferenceController, parseSchedule, type ScheduleEvent } from '../../../profile/interfere/schedule.js';
import { interfererSpec } from '../../../predictor/mix.js';
import type { SendDelay } from '../../../predictor/collect.js';
import { isDynpipeError } from '../../../runtime/errors.js';

const HEADER = 't_start,t_end,kind,target,intensity\n';

function rejects(body: string, message: string): void {
  assert.throws(
    () => parseSchedule(HEADER + body, 'trace.csv'),
    (e: unknown) => isDynpipeError(e, 'E_USAGE') && e.message === message,
    message,
  );
}

describe('interference schedule', () => {
  it('parses events with comments, quoted core lists and open ends', () => {
    const events = parseSchedule(`# replayed trace\n${HEADER}0,10,cpu,0,1\n5,20,membw,"0,1",0.5\n12,inf,gpu,,0.25\n15,25,net,2,1\n`, 'trace.csv');
    assert.deepEqual(events, [
      { line: 3, startS: 0, endS: 10, spec: { kind: 'cpu', intensity: 1, cores: [0] } },
      { line: 4, startS: 5, endS: 20, spec: { kind: 'membw', intensity: 0.5, cores: [0, 1] } },
      { line: 5, startS: 12, endS: Infinity, spec: { kind: 'gpu', intensity: 0.25, device: 0 } },
      { line: 6, startS: 15, endS: 25, spec: { kind: 'net', intensity: 1, rank: 2 } },
    ]);
  });

  it('names the line and field of each mistake', () => {
    rejects('0,10,cpu,0,1\n5,x,cpu,0,1\n', "trace.csv:3: t_end: expected a number, got 'x'");
    rejects('5,4,cpu,0,1\n', 'trace.csv:2: t_end: must be after t_start (5), got 4');
    rejects('-1,4,cpu,0,1\n', 'trace.csv:2: t_start: expected a number in [0, Infinity], got -1');
    rejects('0,4,disk,0,1\n', "trace.csv:2: kind: expected one of cpu|membw|gpu|net, got 'disk'");
    rejects('0,4,cpu,0,1.5\n', 'trace.csv:2: intensity: expected a number in [0, 1], got 1.5');
    rejects('0,4,cpu,0,0\n', 'trace.csv:2: intensity: must be > 0 (leave the line out for no load)');
    rejects('0,4,cpu,a-b,1\n', "trace.csv:2: target: expected a core list like 0,2-3, got 'a-b'");
    rejects('0,4,net,,1\n', "trace.csv:2: target: target of net must be a rank index, got ''");
    rejects('0,4,cpu,0\n', 'trace.csv:2: Invalid Record Length: columns length is 5, got 4 on line 2');
    assert.throws(() => parseSchedule('t_start,t_end,kind,intensity\n0,1,cpu,1\n', 'trace.csv'), (e: unknown) => isDynpipeError(e, 'E_USAGE') && e.message === 'trace.csv: header: missing column(s) target');
    assert.throws(() => parseSchedule(HEADER, 'trace.csv'), (e: unknown) => isDynpipeError(e, 'E_USAGE') && /no events/.test(e.message));
  });
});

function event(startS: number, endS: number, spec: ScheduleEvent['spec']): ScheduleEvent {
  return { line: 0, startS, endS, spec };
}

describe('interference controller', () => {
  it('starts and stops generators at the trace times, stops before starts at equal times', async () => {
    const log: string[] = [];
    const times: number[] = [];
    const t0 = performance.now();
    const at = (): string => {
      times.push(performance.now() - t0);
      return '';
    };
    const events = [event(0, 0.1, interfererSpec('cpu', '0', 1)), event(0.1, 0.2, interfererSpec('membw', '*', 0.5)), event(0.05, 0.2, interfererSpec('gpu', '0', 1))];
    const c = new InterferenceController(events, {
      start: async (spec) => {
        log.push(`start ${spec.kind} @${at()}`);
        return { stop: async () => void log.push(`stop ${spec.kind} @${at()}`) };
      },
    });
    assert.deepEqual(c.actions().map((a) => `${a.what} ${a.index} ${a.atS}`), ['start 0 0', 'start 2 0.05', 'stop 0 0.1', 'start 1 0.1', 'stop 1 0.2', 'stop 2 0.2']);
    await c.run();
    assert.deepEqual(log, ['start cpu @', 'start gpu @', 'stop cpu @', 'start membw @', 'stop membw @', 'stop gpu @']);
    // Never early; late by at most a loaded machine's timer slack.
    [0, 50, 100, 100, 200, 200].forEach((due, i) => assert.ok(times[i] >= due - 2 && times[i] < due + 150, `action ${i} at ${times[i].toFixed(1)} ms, due ${due}`));
  });

  it('stops everything it started when aborted, and runs open-ended events until then', async () => {
    const live = new Set<string>();
    const c = new InterferenceController([event(0, Infinity, interfererSpec('cpu', '0', 1)), event(0, 60, interfererSpec('cpu', '1', 1))], {
      start: async (spec) => {
        const key = JSON.stringify(spec);
        live.add(key);
        return { stop: async () => void live.delete(key) };
      },
    });
    const abort = new AbortController();
    const done = c.run(abort.signal);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(live.size, 2);
    abort.abort();
    await done;
    assert.equal(live.size, 0);
  });

  it('installs combined send delays for net events and removes them at the end', async () => {
    const delays: Array<[number, SendDelay | null]> = [];
    const c = new InterferenceController([event(0, 0.05, interfererSpec('net', '2', 1)), event(0, 0.1, interfererSpec('net', '2', 0.5))], {
      start: async () => assert.fail('net needs no process'),
      setSendDelay: (rank, d) => void delays.push([rank, d]),
    });
    await c.run();
    assert.deepEqual(delays.map(([r, d]) => [r, d === null]), [[2, false], [2, false], [2, false], [2, true]]);
    const both = delays[1][1]!;
    const one = delays[2][1]!;
    // Base 5 ms + 2 ms/MB at intensity 1 and 0.5, plus jitter below 2 ms and 1 ms.
    const two = both(0, 1e6);
    assert.ok(two >= 7 + 3.5 && two < 7 + 3.5 + 3, `${two}`);
    const half = one(0, 1e6);
    assert.ok(half >= 3.5 && half < 4.5, `${half}`);
    assert.throws(() => new InterferenceController([event(0, 1, interfererSpec('net', '0', 1))], { start: async () => ({ stop: async () => undefined }) }), (e: unknown) => isDynpipeError(e, 'E_USAGE') && /net interference needs a transport/.test(e.message));
  });
});
