/**
 * A job the coordinator refuses at rendezvous (two hosts, one rank announcing loopback) must end at
 * once with the reason at every rank, not after the ranks' rendezvous deadlines.
 */
import { strict as assert } from 'node:assert';
import { Coordinator } from '../../../runtime/coordinator/coordinator.js';
import { parsePlan } from '../../../runtime/plan/plan.js';
import { ControlClient } from '../../../runtime/transport/control.js';
import { RejectLog, dynpipeError } from '../transport/helpers.js';

const plan = parsePlan(JSON.stringify({
  version: 1, model: { name: 'mlp', args: { hidden: 8, layers: 1 } }, num_blocks: 2, partition: [1, 1],
  stage_to_rank_map: { '0': [0], '1': [1] }, microbatch_size: 4, schedule: '1f1b',
}));

describe('coordinator rendezvous', () => {
  it('refuses a loopback announcement across two hosts and tells every waiting rank why', async () => {
    const rejects = new RejectLog();
    const coordinator = await Coordinator.open({
      bindAddress: 'tcp://127.0.0.1:*', plan, numMinibatches: 4, rendezvousTimeoutMs: 30_000, heartbeatTimeoutMs: 10_000,
      say: () => undefined, now: () => Date.now(),
    });
    const clients = [0, 1].map((rank) => ControlClient.open({ rank, coordinator: coordinator.endpoint, onReject: rejects.onReject }));
    try {
      const run = coordinator.run();
      const joins = clients.map((c) =>
        c.join({ endpoint: `tcp://${c.rank === 0 ? '192.0.2.101' : '127.0.0.1'}:${44000 + c.rank}`, host: 'vm', pid: 1, hostId: { hostname: 'vm', bootId: 'b', netns: `net:[${c.rank}]` } }, 30_000),
      );
      const t0 = Date.now();
      const reason = /rank 1 announced loopback address 127\.0\.0\.1 but ranks run on 2 hosts/;
      await assert.rejects(run, dynpipeError('E_USAGE', reason));
      for (const j of joins) await assert.rejects(j, dynpipeError('E_PEER_FAILED', /stopped by the coordinator at rendezvous/, reason));
      assert.ok(Date.now() - t0 < 5000);
    } finally {
      for (const c of clients) await c.close();
      await coordinator.close();
    }
  });
});
