/**
 * The coordinator's admin identity: `admin-<id>` clients send admin requests that queue apart from
 * the ranks' messages and get one answer; anything else from them is rejected and counted.
 */
import { strict as assert } from 'node:assert';
import * as zmq from 'zeromq';
import { ControlServer } from '../../../runtime/transport/control.js';
import { adminRequest } from '../../../runtime/transport/admin-client.js';
import { encodeControl } from '../../../runtime/transport/control-messages.js';
import { RejectLog, uniqueBindAddress } from './helpers.js';

describe('control channel: admin clients', () => {
  let server: ControlServer;
  const rejects = new RejectLog();

  beforeEach(async () => {
    server = await ControlServer.open({ bindAddress: uniqueBindAddress('tcp'), onReject: rejects.onReject });
  });
  afterEach(async () => {
    await server.close();
  });

  it('queues an admin request apart from rank messages and delivers the reply to that client', async () => {
    const asked = adminRequest(server.endpoint, { type: 'admin-repartition', plan: { version: 1 } }, 5000);
    const req = await server.nextAdmin(5000);
    assert.match(req.identity, /^admin-[0-9a-f]{12}$/);
    assert.deepEqual(req.message, { type: 'admin-repartition', plan: { version: 1 } });
    await server.replyAdmin(req.identity, { type: 'admin-reply', ok: false, message: 'no thanks' }, 5000);
    assert.deepEqual(await asked, { type: 'admin-reply', ok: false, message: 'no thanks' });
  });

  it('rejects rank messages from an admin identity, naming it', async () => {
    const dealer = new zmq.Dealer({ routingId: 'admin-rogue', linger: 0 });
    dealer.connect(server.endpoint);
    const before = rejects.errors.length;
    await dealer.send(encodeControl({ type: 'done', rank: 0 }));
    await rejects.until(before + 1);
    assert.match(rejects.errors[before].message, /rejected 'done' from admin client admin-rogue: admin clients may only send admin-repartition/);
    dealer.close();
  });
});
