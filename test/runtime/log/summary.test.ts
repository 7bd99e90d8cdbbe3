import { strict as assert } from 'node:assert';
import { isDynpipeError } from '../../../runtime/errors.js';
import { parseSummary, printSummary, validateSummary, type Summary } from '../../../runtime/log/summary.js';

const SUMMARY: Summary = {
  version: 1,
  mode: 'dynpipe',
  model: 'vgg16',
  microbatch_size: 8,
  duration_ms: 2600,
  throughput_samples_per_s: 57.5,
  busy: [{ rank: 0, stage: 0, busy_fraction: 0.5 }],
  repartitions: [{ plan_version: 1, time_ms: 1700, pause_ms: 220, old_partition: [3, 3, 3], new_partition: [4, 2, 3] }],
  time_to_accuracy: { target_accuracy: 0.5, time_ms: null },
  interference: [{ rank: 1, stage: 1, level: 'heavy', start_ms: 1325, end_ms: 1725, predicted_slowdown: 2, measured_slowdown: null }],
};

describe('run summary format', () => {
  it('round-trips through printSummary and parseSummary', () => {
    assert.deepEqual(parseSummary(printSummary(SUMMARY)), SUMMARY);
  });

  it('names the source and the field of a bad value', () => {
    const bad = { ...SUMMARY, repartitions: [{ ...SUMMARY.repartitions[0], pause_ms: -1 }] };
    assert.throws(
      () => validateSummary(bad, 'run/summary.json'),
      (e: unknown) => isDynpipeError(e, 'E_LOG_PARSE') && e.message.startsWith('run/summary.json: repartitions.0.pause_ms: '),
    );
    assert.throws(() => parseSummary('{', 's.json'), (e: unknown) => isDynpipeError(e, 'E_LOG_PARSE') && e.message.startsWith('s.json: not valid JSON'));
  });
});
