/**
 * `dynpipe info` end to end: spawns the built CLI and checks what it prints. PATH is set per run
 * so the NVIDIA part is deterministic: once without nvidia-smi (must not fail), once with a stub.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pickAuto } from '../../../runtime/backend/auto.js';
import type { BackendReport } from '../../../runtime/backend/report.js';

const cli = fileURLToPath(new URL('../../../runtime/cli/dynpipe.js', import.meta.url)); // dist/runtime/cli/dynpipe.js
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const require = createRequire(import.meta.url);

function run(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd: root, env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

describe('dynpipe info', () => {
  let stubDir = '';
  let emptyDir = '';

  before(() => {
    stubDir = mkdtempSync(join(tmpdir(), 'dynpipe-info-stub-'));
    emptyDir = mkdtempSync(join(tmpdir(), 'dynpipe-info-empty-'));
    writeFileSync(join(stubDir, 'nvidia-smi'), '#!/bin/sh\necho "GPU 0: Stub GPU 80GB (UUID: GPU-0000)"\necho "GPU 1: Stub GPU 80GB (UUID: GPU-0001)"\n');
    chmodSync(join(stubDir, 'nvidia-smi'), 0o755);
  });

  after(() => {
    rmSync(stubDir, { recursive: true, force: true });
    rmSync(emptyDir, { recursive: true, force: true });
  });

  it('--json reports backends, the auto pick, devices and versions; no nvidia-smi is not an error', async () => {
    const { code, stdout, stderr } = await run(['info', '--json'], { PATH: emptyDir });
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout) as BackendReport;
    assert.deepEqual(report.backends.map((b) => b.name), ['tensorflow', 'webgpu', 'wasm', 'cpu']);
    for (const b of report.backends) {
      assert.equal(typeof b.available, 'boolean', b.name);
      assert.ok(b.detail.length > 0, b.name);
    }
    assert.equal(report.backends.find((b) => b.name === 'wasm')?.available, true);
    assert.equal(report.backends.find((b) => b.name === 'cpu')?.available, true);
    const expected = pickAuto(report.backends);
    assert.equal(report.auto.name, expected.name);
    assert.equal(report.auto.reason, expected.reason);
    assert.ok(report.auto.reason.endsWith(`using ${report.auto.name}`));
    assert.deepEqual(report.devices.nvidia, { found: false, detail: 'nvidia-smi not found' });
    const ownPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    assert.equal(report.versions.node, process.version);
    assert.equal(report.versions.dynpipe, ownPackage.version);
    assert.equal(report.versions.tfjs, (require('@tensorflow/tfjs/package.json') as { version: string }).version);
    assert.equal(report.versions.zeromq, (require('zeromq/package.json') as { version: string }).version);
    assert.match(report.versions.libzmq, /^\d+\.\d+\.\d+$/);
  });

  it('prints text with one line per NVIDIA GPU that nvidia-smi -L lists', async () => {
    const { code, stdout, stderr } = await run(['info'], { PATH: stubDir });
    assert.equal(code, 0, stderr);
    const lines = stdout.split('\n');
    assert.equal(lines[0], 'backends:');
    assert.ok(lines.includes('  GPU 0: Stub GPU 80GB (UUID: GPU-0000)'), stdout);
    assert.ok(lines.includes('  GPU 1: Stub GPU 80GB (UUID: GPU-0001)'), stdout);
    assert.ok(lines.some((l) => /^auto: (tensorflow|webgpu|wasm|cpu) \(/.test(l)), stdout);
  });

  it('rejects a bad DYNPIPE_WEBGPU_BACKEND in one line with exit code 2', async () => {
    const { code, stdout, stderr } = await run(['info', '--json'], { PATH: emptyDir, DYNPIPE_WEBGPU_BACKEND: 'directx9' });
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, /^dynpipe: DYNPIPE_WEBGPU_BACKEND: expected one of .*, got 'directx9'\n$/);
  });
});
