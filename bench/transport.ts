#!/usr/bin/env node
/**
 * Data-plane benchmark between two processes: this file forks itself in `peer` mode and drives it.
 *
 *   parent (rank 0) ──act × N──▶ peer (rank 1) ──grad ack──▶ parent     throughput = N·size / time
 *   parent (rank 0) ──act──▶ peer ──grad (echo)──▶ parent, repeated      one-way latency = RTT / 2
 *
 * Both sides use the real DataPlane (codec, mailbox, high-water marks), over ipc and tcp loopback.
 * Prints markdown tables on stdout; the progress bar goes to stderr (TTY or --progress).
 *
 *   node dist/bench/transport.js [--transports ipc,tcp] [--sizes 4K,64K,1M,4M,16M] [--volume-mib 256]
 *
 * Across two hosts: `--peer-netns B` starts the peer inside network namespace B (`ip netns exec`,
 * which keeps the fork channel's file descriptor), and `--tcp-addr` / `--peer-tcp-addr` name the
 * addresses each side binds; bench/transport-netns.sh builds two namespaces joined by veth for it.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';
import { SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { reportFatal } from '../runtime/cli/fatal.js';
import { intOption } from '../runtime/cli/options.js';
import { DynpipeError } from '../runtime/errors.js';
import { DataPlane } from '../runtime/transport/data-plane.js';
import { ipcEndpoint, tcpEndpoint } from '../runtime/transport/endpoints.js';
import { float32Tensor } from '../runtime/transport/tensor.js';

type Transport = 'ipc' | 'tcp';
type PeerCommand = { cmd: 'open'; transport: Transport; jobId: string; tcpAddr: string; socketBufferBytes?: number } | { cmd: 'connect'; endpoint: string } | { cmd: 'sink' | 'echo'; count: number; mb0: number } | { cmd: 'close' };
type PeerReply = { endpoint: string } | { ok: true } | { error: string };

const TIMEOUT_MS = 120_000;

function bindAddress(transport: Transport, jobId: string, rank: number, tcpAddr: string): string {
  return transport === 'ipc' ? ipcEndpoint(jobId, rank) : tcpEndpoint(tcpAddr);
}

/** The peer process: forked, or inside network namespace `netns` with the same fork channel. */
function startPeer(netns: string | undefined): ChildProcess {
  const file = fileURLToPath(import.meta.url);
  const stdio: ['ignore', 'inherit', 'inherit', 'ipc'] = ['ignore', 'inherit', 'inherit', 'ipc'];
  return netns === undefined ? fork(file, ['peer'], { stdio }) : spawn('ip', ['netns', 'exec', netns, process.execPath, file, 'peer'], { stdio });
}

/** Peer mode: rank 1, obeying the parent over the fork channel; data goes over the data plane only. */
async function runPeer(): Promise<void> {
  let plane: DataPlane | undefined;
  const reply = (r: PeerReply) => process.send?.(r);
  process.on('message', (c: PeerCommand) => {
    void (async () => {
      if (c.cmd === 'open') {
        plane = await DataPlane.open({ rank: 1, bindAddress: bindAddress(c.transport, c.jobId, 1, c.tcpAddr), planVersion: 0, socketBufferBytes: c.socketBufferBytes, onReject: (e) => process.stderr.write(`peer: ${e.message}\n`) });
        reply({ endpoint: plane.endpoint });
      } else if (c.cmd === 'connect') {
        plane!.connect(0, c.endpoint);
        reply({ ok: true });
      } else if (c.cmd === 'sink') {
        const cpu0 = process.cpuUsage();
        for (let i = 0; i < c.count; i++) await plane!.recv({ kind: 'act', mb: c.mb0 + i, fromRank: 0 }, TIMEOUT_MS);
        const cpu = process.cpuUsage(cpu0);
        await plane!.send(0, { kind: 'grad', mb: c.mb0, extra: { cpuUs: cpu.user + cpu.system } }, float32Tensor(new Float32Array(1)));
      } else if (c.cmd === 'echo') {
        for (let i = 0; i < c.count; i++) {
          const m = await plane!.recv({ kind: 'act', mb: c.mb0 + i, fromRank: 0 }, TIMEOUT_MS);
          await plane!.send(0, { kind: 'grad', mb: c.mb0 + i }, m.tensor);
        }
      } else {
        await plane?.close();
        process.exit(0);
      }
    })().catch((e: unknown) => {
      reply({ error: e instanceof Error ? e.message : String(e) });
      process.exit(1);
    });
  });
}

/** Sends `command` to the peer and waits for its reply (a peer error becomes E_PEER_FAILED). */
async function ask(peer: ChildProcess, command: PeerCommand): Promise<PeerReply> {
  const answer = once(peer, 'message') as Promise<[PeerReply]>;
  peer.send(command);
  const [r] = await answer;
  if ('error' in r) throw new DynpipeError('E_PEER_FAILED', `bench peer: ${r.error}`);
  return r;
}

interface Row {
  transport: Transport;
  bytes: number;
  messages: number;
  seconds: number;
  senderCpuUs: number;
  receiverCpuUs: number;
}

interface Latency {
  transport: Transport;
  bytes: number;
  p50us: number;
  p99us: number;
}

interface Settings {
  transports: Transport[];
  sizes: number[];
  volumeMiB: number;
  latencyIterations: number;
  socketBufferBytes?: number;
  /** Where each side binds tcp, and the peer's network namespace (none: this one). */
  tcpAddr: string;
  peerTcpAddr: string;
  peerNetns?: string;
  progress: boolean;
}

async function runBench(s: Settings): Promise<{ rows: Row[]; latencies: Latency[] }> {
  const rows: Row[] = [];
  const latencies: Latency[] = [];
  const counts = s.sizes.map((b) => Math.min(20_000, Math.max(16, Math.floor((s.volumeMiB << 20) / b))));
  const total = s.transports.length * (counts.reduce((a, b) => a + b, 0) + s.latencyIterations);
  const bar = s.progress ? new SingleBar({ format: 'transport bench [{bar}] {percentage}% | {phase}', stream: process.stderr }) : undefined;
  bar?.start(total, 0, { phase: '' });
  for (const transport of s.transports) {
    const jobId = `bench-${process.pid}`;
    const peer = startPeer(s.peerNetns);
    const plane = await DataPlane.open({ rank: 0, bindAddress: bindAddress(transport, jobId, 0, s.tcpAddr), planVersion: 0, socketBufferBytes: s.socketBufferBytes, onReject: (e) => process.stderr.write(`bench: ${e.message}\n`) });
    try {
      const { endpoint } = (await ask(peer, { cmd: 'open', transport, jobId, tcpAddr: s.peerTcpAddr, socketBufferBytes: s.socketBufferBytes })) as { endpoint: string };
      plane.connect(1, endpoint);
      await ask(peer, { cmd: 'connect', endpoint: plane.endpoint });
      let mb = 0;
      /** Streams `count` messages; returns the CPU µs spent by sender and receiver. */
      const stream = async (count: number, data: Float32Array) => {
        const mb0 = mb;
        mb += count;
        peer.send({ cmd: 'sink', count, mb0 } satisfies PeerCommand);
        const cpu0 = process.cpuUsage();
        for (let i = 0; i < count; i++) await plane.send(1, { kind: 'act', mb: mb0 + i }, float32Tensor(data));
        const ack = await plane.recv({ kind: 'grad', mb: mb0, fromRank: 1 }, TIMEOUT_MS);
        const cpu = process.cpuUsage(cpu0);
        return { senderCpuUs: cpu.user + cpu.system, receiverCpuUs: Number(ack.header.extra?.cpuUs) };
      };
      for (const [k, bytes] of s.sizes.entries()) {
        bar?.update({ phase: `${transport} ${label(bytes)}` });
        const data = new Float32Array(bytes / 4).fill(1);
        await stream(Math.min(8, counts[k]), data); // warm-up: connections, buffers, JIT
        const t0 = process.hrtime.bigint();
        const cpu = await stream(counts[k], data);
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        rows.push({ transport, bytes, messages: counts[k], seconds, ...cpu });
        bar?.increment(counts[k]);
      }
      bar?.update({ phase: `${transport} latency` });
      const small = new Float32Array(1024).fill(2); // 4 KB
      const warm = 2000; // untimed round trips first: until V8 has optimized the path, latency measures the JIT
      const oneWayUs: number[] = [];
      const mb0 = mb;
      peer.send({ cmd: 'echo', count: warm + s.latencyIterations, mb0 } satisfies PeerCommand);
      for (let i = 0; i < warm + s.latencyIterations; i++) {
        const t0 = process.hrtime.bigint();
        await plane.send(1, { kind: 'act', mb: mb0 + i }, float32Tensor(small));
        await plane.recv({ kind: 'grad', mb: mb0 + i, fromRank: 1 }, TIMEOUT_MS);
        if (i >= warm) oneWayUs.push(Number(process.hrtime.bigint() - t0) / 2e3);
      }
      bar?.increment(s.latencyIterations);
      oneWayUs.sort((a, b) => a - b);
      latencies.push({ transport, bytes: 4096, p50us: quantile(oneWayUs, 0.5), p99us: quantile(oneWayUs, 0.99) });
    } finally {
      if (peer.connected) peer.send({ cmd: 'close' } satisfies PeerCommand);
      await plane.close();
      if (peer.exitCode === null) await once(peer, 'exit');
    }
  }
  bar?.stop();
  return { rows, latencies };
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function label(bytes: number): string {
  return bytes >= 1 << 20 ? `${bytes / (1 << 20)} MiB` : `${bytes / 1024} KiB`;
}

function parseSize(value: string): number {
  const m = /^(\d+)([KM]?)$/i.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`expected a size like 4K or 16M, got '${value}'`);
  const bytes = Number(m[1]) * (m[2].toUpperCase() === 'M' ? 1 << 20 : m[2] ? 1024 : 1);
  if (bytes < 4 || bytes % 4 !== 0 || bytes > 256 << 20) throw new InvalidArgumentError(`size '${value}' must be a multiple of 4 bytes between 4 and 256M`);
  return bytes;
}

function parseList<T>(parse: (v: string) => T) {
  return (value: string): T[] => value.split(',').map(parse);
}

function parseTransport(value: string): Transport {
  if (value !== 'ipc' && value !== 'tcp') throw new InvalidArgumentError(`expected ipc or tcp, got '${value}'`);
  return value;
}

function printTables({ rows, latencies }: { rows: Row[]; latencies: Latency[] }, s: Settings): void {
  const cpus = os.cpus();
  const where = s.peerNetns === undefined ? 'peer in this network namespace' : `peer in network namespace ${s.peerNetns}`;
  const out: string[] = [
    `node ${process.version}, ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? 'unknown'}), load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    `${where}; tcp from ${s.tcpAddr} to ${s.peerTcpAddr}`,
    '',
    '| transport | message | messages | seconds | throughput GB/s | CPU µs/msg sender | CPU µs/msg receiver |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.transport} | ${label(r.bytes)} | ${r.messages} | ${r.seconds.toFixed(3)} | ${((r.messages * r.bytes) / r.seconds / 1e9).toFixed(2)} | ${(r.senderCpuUs / r.messages).toFixed(1)} | ${(r.receiverCpuUs / r.messages).toFixed(1)} |`,
    ),
    '',
    '| transport | message | one-way latency p50 µs | p99 µs |',
    '|---|---:|---:|---:|',
    ...latencies.map((l) => `| ${l.transport} | ${label(l.bytes)} | ${l.p50us.toFixed(1)} | ${l.p99us.toFixed(1)} |`),
  ];
  process.stdout.write(out.join('\n') + '\n');
}

if (process.argv[2] === 'peer') {
  if (!process.send) reportFatal(new DynpipeError('E_USAGE', 'peer mode is started by the benchmark itself (via fork), not by hand'), false, 'bench');
  await runPeer();
} else {
  const program = new Command()
    .name('transport-bench')
    .description('Throughput and latency of the dynpipe data plane between two processes (ipc and tcp loopback)')
    .option('--transports <list>', 'comma-separated transports', parseList(parseTransport), ['ipc', 'tcp'] as Transport[])
    .option('--sizes <list>', 'comma-separated message sizes (K = KiB, M = MiB)', parseList(parseSize), [4 << 10, 64 << 10, 1 << 20, 4 << 20, 16 << 20])
    .option('--volume-mib <n>', 'bytes streamed per size, in MiB (16 to 20000 messages)', intOption(1, 1 << 16), 256)
    .option('--latency-iterations <n>', 'round trips of 4 KiB timed per transport', intOption(10, 1_000_000), 2000)
    .option('--socket-buffer-kib <n>', 'kernel socket buffer per socket, KiB (default: the OS default)', intOption(4, 1 << 20))
    .option('--tcp-addr <ip>', 'address this side binds for tcp', '127.0.0.1')
    .option('--peer-tcp-addr <ip>', 'address the peer binds for tcp (default: --tcp-addr)')
    .option('--peer-netns <name>', 'run the peer in this network namespace (ip netns exec; needs root)')
    .option('--progress', 'show a progress bar even when stderr is not a terminal')
    .option('--debug', 'print stack traces of errors')
    .showHelpAfterError('(run with --help for usage)');
  program.parse(process.argv);
  const o = program.opts<{ transports: Transport[]; sizes: number[]; volumeMib: number; latencyIterations: number; socketBufferKib?: number; tcpAddr: string; peerTcpAddr?: string; peerNetns?: string; progress?: boolean; debug?: boolean }>();
  try {
    const settings: Settings = {
      transports: o.transports, sizes: o.sizes, volumeMiB: o.volumeMib, latencyIterations: o.latencyIterations,
      socketBufferBytes: o.socketBufferKib === undefined ? undefined : o.socketBufferKib * 1024,
      tcpAddr: o.tcpAddr, peerTcpAddr: o.peerTcpAddr ?? o.tcpAddr, peerNetns: o.peerNetns,
      progress: Boolean(o.progress) || process.stderr.isTTY,
    };
    printTables(await runBench(settings), settings);
  } catch (e) {
    reportFatal(e, Boolean(o.debug), 'bench');
  }
}
