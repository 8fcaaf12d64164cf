// What both ends of the channel share: the message types, the error type,
// and attach(), which checks a buffer's header before either end uses it.

import {
  CHANNEL_MAGIC,
  CHANNEL_VERSION,
  HEADER_CLIENTS,
  HEADER_MAGIC,
  HEADER_SIZE,
  HEADER_SLOTS,
  HEADER_VERSION,
  LANE_RING,
  OP_DELETE,
  OP_GET,
  OP_PUT,
  REQUEST_RING,
  REQUEST_SLOT_SIZE,
  RESPONSE_SLOT_SIZE,
  channelLayout,
  laneOffset,
  responseRingOffset,
  type ChannelLayout,
  type Op,
} from './layout.js';
import { SlotRing } from './slot-ring.js';

export class ChannelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChannelError';
  }
}

export interface ChannelRequest {
  /** u32 chosen by the client; the response carries the same id. */
  id: number;
  op: Op;
  key: Uint8Array; // 0..MAX_KEY_BYTES
  value?: Uint8Array; // 0..MAX_VALUE_BYTES; omitted means empty
}

/** A request as the server's handler sees it: copied out of the ring, so stable. */
export interface ServedRequest {
  client: number;
  id: number;
  op: Op;
  key: Uint8Array;
  value: Uint8Array;
}

/** What a handler returns; the server adds the request's id. */
export interface ChannelReply {
  status: number; // i32; 0 ok, negative errors (see STATUS)
  value?: Uint8Array; // 0..MAX_VALUE_BYTES
}

export interface ChannelResponse {
  id: number;
  status: number;
  value: Uint8Array;
}

/** Reads and checks the header of a buffer made by createChannel. */
export function attach(sab: SharedArrayBuffer): { words: Int32Array; layout: ChannelLayout } {
  if (!(sab instanceof SharedArrayBuffer) || sab.byteLength < HEADER_SIZE || sab.byteLength % 4 !== 0) throw new ChannelError('channel: not a channel buffer');
  const words = new Int32Array(sab);
  if (words[HEADER_MAGIC >> 2] !== CHANNEL_MAGIC || words[HEADER_VERSION >> 2] !== CHANNEL_VERSION) {
    throw new ChannelError('channel: bad magic or version in the channel header');
  }
  let layout: ChannelLayout;
  try {
    layout = channelLayout(words[HEADER_SLOTS >> 2], words[HEADER_CLIENTS >> 2]);
  } catch (e) {
    throw new ChannelError(`channel: corrupt header (${(e as Error).message})`);
  }
  if (layout.totalBytes !== sab.byteLength) {
    throw new ChannelError(`channel: header says ${layout.totalBytes} bytes, buffer has ${sab.byteLength}`);
  }
  return { words, layout };
}

export function requestRing(words: Int32Array, layout: ChannelLayout): SlotRing {
  return new SlotRing(words, REQUEST_RING, layout.requestSlots, layout.slots, REQUEST_SLOT_SIZE);
}

export function responseRing(words: Int32Array, layout: ChannelLayout, client: number): SlotRing {
  return new SlotRing(words, laneOffset(client) + LANE_RING, responseRingOffset(layout, client), layout.slots, RESPONSE_SLOT_SIZE);
}

export function isOp(op: number): op is Op {
  return op === OP_GET || op === OP_PUT || op === OP_DELETE;
}

export const EMPTY = new Uint8Array(0);
