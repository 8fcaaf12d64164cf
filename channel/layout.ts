// Byte layout of the device channel's SharedArrayBuffer.
//
// One buffer holds everything: a header, the proxy's doorbell, one request
// ring shared by every client (multi-producer, single consumer: the proxy),
// and per client a "lane" with that client's doorbell and its own response
// ring (single producer: the proxy, single consumer: that client). Giving each
// client its own response ring means a response can only reach the client
// that asked, and a slow client can only fill its own ring.
//
//   offset                         size
//   0        header                 64   magic, version, slot count, client count, server owner
//   64       server doorbell        64   seq, waiting
//   128      request ring control  128   tail (+0), spaceWanted (+4) | head (+64)
//   256      lane 0                256   owner (+0) | doorbell seq, waiting (+64) | response ring control (+128)
//   ...      lane 1..clients-1
//   R        request slots          slots x REQUEST_SLOT_SIZE
//   R + ...  response slots         clients x slots x RESPONSE_SLOT_SIZE (lane 0's ring first)
//
// Every block starts on a 64-byte boundary so that words written by
// different threads (a ring's tail by producers, its head by the consumer)
// do not share a cache line.
//
// Request slot (REQUEST_SLOT_SIZE bytes):
//   +0  state      EMPTY/WRITING/READY, tagged with the ring position (see slot-ring.ts)
//   +4  id         u32 chosen by the client, echoed in the response
//   +8  client     lane index of the client that submitted it
//   +12 op         OP_GET / OP_PUT / OP_DELETE
//   +16 keyLen     0..MAX_KEY_BYTES
//   +20 valueLen   0..MAX_VALUE_BYTES
//   +64 key        MAX_KEY_BYTES
//   +64+MAX_KEY_BYTES value   MAX_VALUE_BYTES
//
// Response slot (RESPONSE_SLOT_SIZE bytes):
//   +0  state      as above
//   +4  id         echoed from the request
//   +8  status     i32, see STATUS
//   +12 valueLen   0..MAX_VALUE_BYTES
//   +64 value      MAX_VALUE_BYTES
//
// Lengths and indices read back from the buffer are checked against these
// maxima before use: the buffer is shared, so its contents are never trusted.

import { MAX_KEY_BYTES, MAX_VALUE_BYTES } from './kv-limits.js';

export const CHANNEL_MAGIC = 0x4356_4b55; // "UKVC" little-endian
export const CHANNEL_VERSION = 2; // 2: slot states tagged with the lap (slot-ring.ts), so zeroed memory is a ready ring

export { MAX_KEY_BYTES, MAX_VALUE_BYTES };
export const MAX_SLOTS = 4096;
export const MAX_CLIENTS = 64;
export const DEFAULT_SLOTS = 256;

export const OP_GET = 1;
export const OP_PUT = 2;
export const OP_DELETE = 3;
export type Op = typeof OP_GET | typeof OP_PUT | typeof OP_DELETE;

/** Response status codes. Handlers may return other negative values; these are the ones the channel itself uses. */
export const STATUS = {
  OK: 0,
  /** The key is absent, or the operation failed. */
  NOT_FOUND: -1,
  /** The request slot was malformed (length over the maximum, unknown op); the handler never saw it. */
  BAD_REQUEST: -2,
  /** The handler threw or returned something unusable. */
  SERVER_ERROR: -3,
  /** The response slot was malformed; reported to the client instead of its contents. */
  BAD_RESPONSE: -4,
} as const;

const CACHE_LINE = 64;

// Header words (byte offsets from 0).
export const HEADER_MAGIC = 0;
export const HEADER_VERSION = 4;
export const HEADER_SLOTS = 8;
export const HEADER_CLIENTS = 12;
/** 0 when no ChannelServer is attached, 1 while one is (there must be exactly one consumer). */
export const HEADER_SERVER_OWNER = 16;
export const HEADER_SIZE = CACHE_LINE;

// A doorbell: the waiter sleeps on SEQ after setting WAITING; the other side
// bumps SEQ and notifies only when it sees WAITING set.
export const BELL_SEQ = 0;
export const BELL_WAITING = 4;
export const BELL_SIZE = CACHE_LINE;

// Ring control block.
export const RING_TAIL = 0; // next position a producer claims
export const RING_SPACE_WANTED = 4; // set by a producer that found the ring full
export const RING_HEAD = CACHE_LINE; // next position the consumer reads
export const RING_CONTROL_SIZE = 2 * CACHE_LINE;

// Client lane.
export const LANE_OWNER = 0; // 1 while a ChannelClient holds this lane
export const LANE_BELL = CACHE_LINE;
export const LANE_RING = 2 * CACHE_LINE;
export const LANE_SIZE = LANE_RING + RING_CONTROL_SIZE;

export const SERVER_BELL = HEADER_SIZE;
export const REQUEST_RING = SERVER_BELL + BELL_SIZE;
export const LANES = REQUEST_RING + RING_CONTROL_SIZE;

// Slot fields, shared by both slot kinds.
export const SLOT_STATE = 0;
export const SLOT_ID = 4;
export const SLOT_PAYLOAD = CACHE_LINE;

// Request slot fields.
export const REQ_CLIENT = 8;
export const REQ_OP = 12;
export const REQ_KEY_LEN = 16;
export const REQ_VALUE_LEN = 20;
export const REQ_KEY = SLOT_PAYLOAD;
export const REQ_VALUE = REQ_KEY + MAX_KEY_BYTES;
export const REQUEST_SLOT_SIZE = roundUp(REQ_VALUE + MAX_VALUE_BYTES, CACHE_LINE);

// Response slot fields.
export const RESP_STATUS = 8;
export const RESP_VALUE_LEN = 12;
export const RESP_VALUE = SLOT_PAYLOAD;
export const RESPONSE_SLOT_SIZE = roundUp(RESP_VALUE + MAX_VALUE_BYTES, CACHE_LINE);

/** Where everything is for a given slot and client count. */
export interface ChannelLayout {
  slots: number;
  clients: number;
  requestSlots: number; // byte offset of request slot 0
  responseSlots: number; // byte offset of lane 0's response slot 0
  totalBytes: number;
}

export function channelLayout(slots: number, clients: number): ChannelLayout {
  if (!Number.isInteger(slots) || slots < 1 || slots > MAX_SLOTS || (slots & (slots - 1)) !== 0) {
    throw new RangeError(`channel: slot count ${slots} must be a power of two from 1 to ${MAX_SLOTS}`);
  }
  if (!Number.isInteger(clients) || clients < 1 || clients > MAX_CLIENTS) {
    throw new RangeError(`channel: client count ${clients} must be an integer from 1 to ${MAX_CLIENTS}`);
  }
  const requestSlots = LANES + clients * LANE_SIZE;
  const responseSlots = requestSlots + slots * REQUEST_SLOT_SIZE;
  const totalBytes = responseSlots + clients * slots * RESPONSE_SLOT_SIZE;
  return { slots, clients, requestSlots, responseSlots, totalBytes };
}

/** Byte offset of a client's lane block. */
export function laneOffset(client: number): number {
  return LANES + client * LANE_SIZE;
}

/** Byte offset of a client's first response slot. */
export function responseRingOffset(layout: ChannelLayout, client: number): number {
  return layout.responseSlots + client * layout.slots * RESPONSE_SLOT_SIZE;
}

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}
