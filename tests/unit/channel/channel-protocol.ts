// The request/answer pattern shared by the channel test and its producer
// workers: both sides derive requests and expected replies from (lane, id),
// so a producer can check every answer without being told what to expect.

import { OP_DELETE, OP_GET, OP_PUT, STATUS, type ChannelReply, type ChannelRequest, type Op, type ServedRequest } from '../../../channel/channel.js';

const encoder = new TextEncoder();

/** Request `id` of producer `lane`; the op cycles through `ops`, the value length varies with the id. */
export function requestFor(lane: number, id: number, ops: Op[] = [OP_GET, OP_PUT, OP_DELETE]): ChannelRequest {
  const op = ops[id % ops.length];
  const key = encoder.encode(`lane${lane}/key${id}`);
  const value = op === OP_PUT ? new Uint8Array(id % 64).fill(id & 0xff) : new Uint8Array(0);
  return { id, op, key, value };
}

/** The reply the test handler gives: GETs of ids divisible by 5 are absent, everything else echoes op + key + value. */
export function expectedReply(request: ChannelRequest | ServedRequest): ChannelReply {
  if (request.op === OP_GET && request.id % 5 === 0) return { status: STATUS.NOT_FOUND };
  const value = request.value ?? new Uint8Array(0);
  const echo = new Uint8Array(1 + request.key.length + value.length);
  echo[0] = request.op;
  echo.set(request.key, 1);
  echo.set(value, 1 + request.key.length);
  return { status: STATUS.OK, value: echo };
}
