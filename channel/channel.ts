// The device channel: key-value requests from the VMM's emulation thread to the
// proxy on its own thread, and responses back, through one SharedArrayBuffer.
// Both sides import this folder and nothing of each other.
//
//   ChannelClient (emulation thread; one per lane)  ChannelServer (proxy thread)
//     trySubmit(req) ──► request ring (shared) ──► serve(handler) loop
//     pollResponses  ◄── response ring (per lane) ◄── handler results, any order
//
// Flow control without loss: a client has at most `slots` requests in flight
// (its response ring's size), so the server always has room for the answer
// it owes; a full request ring makes trySubmit return false, and the caller
// keeps the request and retries after waitForSpace. If a response ring is
// nevertheless full (a client that stopped polling), the server keeps the
// response queued and delivers it when the client frees space.
//
// Neither side spins: the server sleeps in Atomics.waitAsync on its doorbell,
// a client in Atomics.wait (with a timeout) on its own, and each side rings
// the other's bell only when that side said it is waiting (see doorbell.ts).
//
// Everything read back from the buffer (lengths, ops, lane indices) is
// checked against the limits in layout.ts before use; a malformed request is
// answered with STATUS.BAD_REQUEST (or dropped, if it does not even name a
// valid lane) and a malformed response is delivered as STATUS.BAD_RESPONSE.
//
// Files: layout.ts (the buffer layout), slot-ring.ts (the ring), doorbell.ts
// (sleeping and waking), protocol.ts (message types), client.ts, server.ts.
// Import everything from this file.

import { CHANNEL_MAGIC, CHANNEL_VERSION, DEFAULT_SLOTS, HEADER_CLIENTS, HEADER_MAGIC, HEADER_SLOTS, HEADER_VERSION, channelLayout } from './layout.js';
import { requestRing, responseRing } from './protocol.js';

export { ChannelClient } from './client.js';
export { ChannelServer, type ChannelHandler, type ChannelServerOptions } from './server.js';
export { ChannelError, type ChannelReply, type ChannelRequest, type ChannelResponse, type ServedRequest } from './protocol.js';
export { MAX_KEY_BYTES, MAX_VALUE_BYTES, OP_DELETE, OP_GET, OP_PUT, STATUS, type Op } from './layout.js';

export interface Channel {
  sab: SharedArrayBuffer;
  slots: number;
  clients: number;
}

/** Allocates and initializes a channel; pass `sab` to the other thread and build the two ends on it. */
export function createChannel(slots = DEFAULT_SLOTS, clients = 1): Channel {
  const layout = channelLayout(slots, clients);
  const sab = new SharedArrayBuffer(layout.totalBytes);
  const words = new Int32Array(sab);
  words[HEADER_MAGIC >> 2] = CHANNEL_MAGIC;
  words[HEADER_VERSION >> 2] = CHANNEL_VERSION;
  words[HEADER_SLOTS >> 2] = slots;
  words[HEADER_CLIENTS >> 2] = clients;
  requestRing(words, layout).initialize(0, true);
  for (let client = 0; client < clients; client++) responseRing(words, layout, client).initialize(0, true);
  return { sab, slots, clients };
}
