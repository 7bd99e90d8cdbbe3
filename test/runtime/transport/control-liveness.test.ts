/**
 * A rank must notice a coordinator that is gone: one whose process ended (connection reset) and
 * one that went silent behind a dead link (no answer to ZMTP heartbeats). Silence is made here by a
 * tcp relay between rank and coordinator that stops forwarding without closing anything:
 *
 *   rank DEALER ──tcp──▶ relay ──tcp──▶ coordinator ROUTER        freeze(): bytes stop both ways
 */
import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { ControlClient, ControlServer } from '../../../runtime/transport/control.js';
import { parseEndpoint } from '../../../runtime/transport/endpoints.js';
import { RejectLog, dynpipeError, uniqueBindAddress } from './helpers.js';

interface Relay {
  endpoint: string;
  freeze(): void;
  close(): Promise<void>;
}

async function relayTo(endpoint: string): Promise<Relay> {
  const target = parseEndpoint(endpoint) as { host: string; port: number };
  const pairs: Array<[net.Socket, net.Socket]> = [];
  const server = net.createServer((inbound) => {
    const outbound = net.connect(target.port, target.host);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
    for (const s of [inbound, outbound]) s.on('error', () => undefined);
    pairs.push([inbound, outbound]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    endpoint: `tcp://127.0.0.1:${port}`,
    freeze: () => {
      for (const [a, b] of pairs) {
        a.unpipe(b);
        b.unpipe(a);
        a.pause();
        b.pause();
      }
    },
    close: async () => {
      for (const [a, b] of pairs) (a.destroy(), b.destroy());
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('control channel: losing the coordinator', () => {
  const rejects = new RejectLog();
  let server: ControlServer | undefined;
  let client: ControlClient | undefined;
  let relay: Relay | undefined;
  afterEach(async () => {
    await client?.close();
    await server?.close();
    await relay?.close();
    client = server = relay = undefined;
  });

  const joined = async (coordinator: string, coordinatorTimeoutMs?: number) => {
    client = ControlClient.open({ rank: 0, coordinator, coordinatorTimeoutMs, onReject: rejects.onReject });
    const rendezvous = server!.rendezvous(1, 10_000);
    await client.join({ endpoint: 'tcp://127.0.0.1:43000', host: 'vm', pid: 1 }, 10_000);
    await rendezvous;
    return client;
  };

  it('fails a rank\'s pending wait soon after the coordinator\'s process is gone', async () => {
    server = await ControlServer.open({ bindAddress: uniqueBindAddress('tcp'), onReject: rejects.onReject });
    const c = await joined(server.endpoint, 5000);
    const waiting = c.next(['shutdown'], 60_000);
    const t0 = Date.now();
    await server.close();
    await assert.rejects(waiting, dynpipeError('E_PEER_FAILED', /^rank 0: lost the coordinator at 'tcp:\/\/127\.0\.0\.1:\d+' \(no answer within 5000 ms, or it exited\)$/));
    assert.ok(Date.now() - t0 < 2000, `noticed after ${Date.now() - t0} ms`);
  });

  it('fails it after the timeout when the coordinator falls silent behind a dead link', async () => {
    server = await ControlServer.open({ bindAddress: uniqueBindAddress('tcp'), onReject: rejects.onReject });
    relay = await relayTo(server.endpoint);
    const c = await joined(relay.endpoint, 800);
    const waiting = c.next(['shutdown'], 60_000);
    const t0 = Date.now();
    relay.freeze();
    await assert.rejects(waiting, dynpipeError('E_PEER_FAILED', /lost the coordinator .*no answer within 800 ms/));
    const ms = Date.now() - t0;
    assert.ok(ms >= 400 && ms < 3000, `noticed after ${ms} ms`);
  });

  it('without a timeout, a silent coordinator only ends waits at their own deadlines', async () => {
    server = await ControlServer.open({ bindAddress: uniqueBindAddress('tcp'), onReject: rejects.onReject });
    relay = await relayTo(server.endpoint);
    const c = await joined(relay.endpoint);
    relay.freeze();
    await assert.rejects(c.next(['shutdown'], 1500), dynpipeError('E_PEER_TIMEOUT', /no shutdown from the coordinator after \d+ ms/));
  });
});
