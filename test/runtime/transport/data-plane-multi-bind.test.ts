/**
 * One data plane, two addresses: the PULL socket a rank binds on tcp (for other hosts) also binds an
 * ipc path (for its own host), and messages from either land in the one mailbox.
 *
 *   rank 0 ──PUSH tcp──▶ ┐
 *                        ├─ rank 2 PULL (tcp + ipc) ─▶ mailbox
 *   rank 1 ──PUSH ipc──▶ ┘
 */
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { DataPlane } from '../../../runtime/transport/data-plane.js';
import { parseEndpoint } from '../../../runtime/transport/endpoints.js';
import { float32Tensor } from '../../../runtime/transport/tensor.js';
import { RejectLog, dynpipeError, uniqueBindAddress } from './helpers.js';

const ipcPath = (endpoint: string) => (parseEndpoint(endpoint) as { path: string }).path;

describe('data plane bound on tcp and ipc', () => {
  const planes: DataPlane[] = [];
  const rejects = new RejectLog();
  const open = async (rank: number, bindAddress: string, alsoBind?: string[]) => {
    const p = await DataPlane.open({ rank, bindAddress, alsoBind, planVersion: 0, onReject: rejects.onReject });
    planes.push(p);
    return p;
  };
  afterEach(async () => {
    for (const p of planes.splice(0)) await p.close();
  });

  it('receives from a tcp peer and an ipc peer into one mailbox, and removes its ipc file on close', async () => {
    const receiver = await open(2, uniqueBindAddress('tcp'), [uniqueBindAddress('ipc')]);
    assert.match(receiver.endpoint, /^tcp:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(receiver.alsoEndpoints.length, 1);
    const [ipc] = receiver.alsoEndpoints;
    assert.ok(existsSync(ipcPath(ipc)));
    const viaTcp = await open(0, uniqueBindAddress('tcp'));
    const viaIpc = await open(1, uniqueBindAddress('ipc'));
    viaTcp.connect(2, receiver.endpoint);
    viaIpc.connect(2, ipc);
    await viaTcp.send(2, { kind: 'act', mb: 5 }, float32Tensor(new Float32Array([1.5, -2])));
    await viaIpc.send(2, { kind: 'act', mb: 5 }, float32Tensor(new Float32Array([3.25])));
    assert.deepEqual([...(await receiver.recv({ kind: 'act', mb: 5, fromRank: 1 }, 10_000)).tensor.data], [3.25]);
    assert.deepEqual([...(await receiver.recv({ kind: 'act', mb: 5, fromRank: 0 }, 10_000)).tensor.data], [1.5, -2]);
    assert.equal(receiver.stats.received, 2);
    await receiver.close();
    assert.equal(existsSync(ipcPath(ipc)), false);
    assert.equal(rejects.errors.length, 0);
  });

  it('fails with one line naming the address it could not bind, and releases the ipc path it had bound', async () => {
    const taken = await open(0, uniqueBindAddress('tcp'));
    const ipc = uniqueBindAddress('ipc');
    await assert.rejects(
      DataPlane.open({ rank: 1, bindAddress: ipc, alsoBind: [taken.endpoint], planVersion: 0, onReject: rejects.onReject }),
      dynpipeError('E_USAGE', new RegExp(`^rank 1: cannot bind '${taken.endpoint}': `)),
    );
    assert.equal(existsSync(ipcPath(ipc)), false);
  });
});
