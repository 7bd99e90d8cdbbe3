/**
 * The control channel between the coordinator (ControlServer, a ROUTER) and the ranks (ControlClient,
 * a DEALER each); the message vocabulary is in control-messages.ts.
 */
export { type ControlServerOptions, type FromAdmin, type FromRank, type RegisterInfo, type RendezvousCheck, ControlServer } from './control-server.js';
export { type ControlClientOptions, type Rendezvous, ControlClient } from './control-client.js';
