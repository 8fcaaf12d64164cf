import { describe, expect, it } from 'vitest';
import {
  ChannelClient,
  ChannelError,
  ChannelServer,
  createChannel,
  OP_DELETE,
  OP_GET,
  OP_PUT,
  STATUS,
  type ChannelReply,
  type ChannelResponse,
  type ServedRequest,
} from '../../../channel/channel.js';
import { Doorbell } from '../../../channel/doorbell.js';
import {
  BELL_WAITING,
  channelLayout,
  REQ_CLIENT,
  REQ_KEY_LEN,
  REQ_OP,
  REQ_VALUE_LEN,
  REQUEST_RING,
  REQUEST_SLOT_SIZE,
  RESP_VALUE_LEN,
  responseRingOffset,
  SERVER_BELL,
  SLOT_ID,
} from '../../../channel/layout.js';
import { SlotRing } from '../../../channel/slot-ring.js';
import { expectedReply, requestFor } from './channel-protocol.js';
import { enc, dec, until, collect, echo, normalized } from './helpers.js';

describe('channel (client and server in one thread)', () => {
  it('answers a request', async () => {
    const { sab } = createChannel(8, 1);
    const server = new ChannelServer(sab);
    const serving = server.serve(echo);
    const client = new ChannelClient(sab);
    const request = { id: 0xfffffffe, op: OP_PUT, key: enc('k'), value: enc('v') } as const;
    expect(client.trySubmit(request)).toBe(true);
    expect(client.outstanding).toBe(1);
    const [response] = await collect(client, 1);
    expect(response.id).toBe(0xfffffffe);
    expect(response.status).toBe(STATUS.OK);
    expect(response.value).toEqual(expectedReply(request).value);
    expect(client.outstanding).toBe(0);
    await server.stop();
    await serving;
  });

  it('matches ids when responses come back out of order', async () => {
    const { sab } = createChannel(8, 1);
    const server = new ChannelServer(sab);
    const release = new Map<number, (reply: ChannelReply) => void>();
    server.serve((req) => new Promise<ChannelReply>((resolve) => release.set(req.id, resolve)));
    const client = new ChannelClient(sab);
    for (const id of [10, 20, 30, 40]) expect(client.trySubmit({ id, op: OP_GET, key: enc(`key${id}`) })).toBe(true);
    await until(() => release.size === 4);
    for (const id of [40, 10, 30, 20]) release.get(id)!({ status: STATUS.OK, value: enc(`value of key${id}`) });
    const responses = await collect(client, 4);
    expect(responses.map((r) => r.id)).toEqual([40, 10, 30, 20]);
    for (const r of responses) expect(dec(r.value)).toBe(`value of key${r.id}`);
    await server.stop();
  });

  it('passes ops, keys and values through intact, including empty and maximum sizes', async () => {
    const { sab } = createChannel(8, 1);
    const seen: ServedRequest[] = [];
    const server = new ChannelServer(sab);
    server.serve((req) => {
      seen.push(req);
      return { status: 7, value: new Uint8Array(4096).fill(0xee) };
    });
    const client = new ChannelClient(sab);
    const bigKey = new Uint8Array(1024).fill(1);
    const bigValue = new Uint8Array(4096).fill(2);
    client.trySubmit({ id: 1, op: OP_PUT, key: bigKey, value: bigValue });
    client.trySubmit({ id: 2, op: OP_DELETE, key: new Uint8Array(0) });
    const responses = await collect(client, 2);
    expect(seen.map((r) => [r.client, r.id, r.op, r.key.length, r.value.length])).toEqual([
      [0, 1, OP_PUT, 1024, 4096],
      [0, 2, OP_DELETE, 0, 0],
    ]);
    expect(seen[0].key).toEqual(bigKey);
    expect(seen[0].value).toEqual(bigValue);
    expect(responses.every((r) => r.status === 7 && r.value.length === 4096 && r.value.every((b) => b === 0xee))).toBe(true);
    await server.stop();
  });

  it('gives backpressure when the request ring is full and then drains with nothing lost', async () => {
    const { sab } = createChannel(4, 2);
    const a = new ChannelClient(sab, 0);
    const b = new ChannelClient(sab, 1);
    for (let id = 0; id < 4; id++) expect(a.trySubmit(requestFor(0, id))).toBe(true);
    const held = requestFor(0, 4);
    expect(a.trySubmit(held)).toBe(false);
    expect(b.trySubmit(requestFor(1, 0))).toBe(false); // the request ring is shared
    expect(a.stats.fullRejections).toBe(1);

    const server = new ChannelServer(sab);
    server.serve(echo);
    const fromA: ChannelResponse[] = [];
    await until(() => {
      a.pollResponses((r) => fromA.push(r));
      return a.trySubmit(held);
    });
    await collect(a, 5, fromA);
    expect(fromA.map((r) => r.id).sort()).toEqual([0, 1, 2, 3, 4]);
    for (const r of fromA) expect(r).toEqual({ id: r.id, ...normalized(expectedReply(requestFor(0, r.id))) });
    expect(b.trySubmit(requestFor(1, 0))).toBe(true);
    expect((await collect(b, 1))[0].id).toBe(0);
    await server.stop();
  });

  it('limits a client to `slots` requests in flight, so its responses always fit', async () => {
    const { sab } = createChannel(4, 1);
    const server = new ChannelServer(sab);
    server.serve(echo);
    const client = new ChannelClient(sab);
    for (let id = 0; id < 4; id++) expect(client.trySubmit(requestFor(0, id))).toBe(true);
    await until(() => server.stats.responses === 4);
    expect(client.trySubmit(requestFor(0, 4))).toBe(false); // answered, but not yet polled
    expect(client.pollResponses(() => {})).toBe(4);
    expect(client.trySubmit(requestFor(0, 4))).toBe(true);
    await collect(client, 1);
    await server.stop();
  });

  it('queues responses for a lane whose ring is full and delivers them once the client polls', async () => {
    // A misbehaving producer that ignores the credit limit: writes raw requests for lane 0.
    const { sab } = createChannel(4, 1);
    const layout = channelLayout(4, 1);
    const words = new Int32Array(sab);
    const raw = new SlotRing(words, REQUEST_RING, layout.requestSlots, 4, REQUEST_SLOT_SIZE);
    const serverBell = new Doorbell(words, SERVER_BELL);
    const client = new ChannelClient(sab);
    const server = new ChannelServer(sab);
    server.serve(() => ({ status: STATUS.OK }));
    let written = 0;
    const rawSubmit = (): boolean => {
      const slot = raw.beginWrite();
      if (slot === -1) return false;
      words[(slot + SLOT_ID) >> 2] = written++;
      words[(slot + REQ_CLIENT) >> 2] = 0;
      words[(slot + REQ_OP) >> 2] = OP_GET;
      words[(slot + REQ_KEY_LEN) >> 2] = 0;
      words[(slot + REQ_VALUE_LEN) >> 2] = 0;
      raw.endWrite(slot);
      serverBell.ringIfWaiting();
      return true;
    };
    await until(() => {
      rawSubmit();
      return written === 12;
    });
    await until(() => server.stats.requests === 12);
    await until(() => server.stats.responses === 4); // the lane's ring is full...
    expect((server as unknown as { pending: unknown[][] }).pending[0]).toHaveLength(8); // ...and 8 wait in the server
    const got = await collect(client, 12);
    expect(got.map((r) => r.id)).toEqual([...Array(12).keys()]);
    await server.stop();
    expect(server.stats.undelivered).toBe(0);
  });

  it('rejects malformed requests before they reach the ring', () => {
    const { sab } = createChannel(4, 1);
    const client = new ChannelClient(sab);
    const bad = [
      { id: 1, op: OP_GET, key: new Uint8Array(1025) },
      { id: 1, op: OP_PUT, key: enc('k'), value: new Uint8Array(4097) },
      { id: -1, op: OP_GET, key: enc('k') },
      { id: 2 ** 32, op: OP_GET, key: enc('k') },
      { id: 1.5, op: OP_GET, key: enc('k') },
      { id: 1, op: 9, key: enc('k') },
    ];
    for (const request of bad) expect(() => client.trySubmit(request as never)).toThrow(ChannelError);
    expect(client.outstanding).toBe(0);
    // biome-ignore lint/complexity/useLiteralKeys: bracket access reaches the private ring, which the test inspects
    expect(new ChannelServer(sab)['requests'].hasReady()).toBe(false);
  });

  it('answers BAD_REQUEST for slots with oversize lengths or unknown ops, without calling the handler', async () => {
    const { sab } = createChannel(8, 1);
    const layout = channelLayout(8, 1);
    const words = new Int32Array(sab);
    const client = new ChannelClient(sab);
    const corrupt: Array<[number, number]> = [
      [REQ_KEY_LEN, 1025],
      [REQ_KEY_LEN, -1], // 0xffffffff as u32
      [REQ_VALUE_LEN, 4097],
      [REQ_VALUE_LEN, 0x7fffffff],
      [REQ_OP, 0],
      [REQ_OP, 4],
    ];
    corrupt.forEach(([field, value], id) => {
      client.trySubmit({ id, op: OP_GET, key: enc('k') });
      // The slot is published; now scribble on it, as a racing writer could.
      words[(layout.requestSlots + id * REQUEST_SLOT_SIZE + field) >> 2] = value;
    });
    const errors: string[] = [];
    let handled = 0;
    const server = new ChannelServer(sab, { onError: (e) => errors.push(e.message) });
    server.serve(() => {
      handled++;
      return { status: STATUS.OK };
    });
    const responses = await collect(client, corrupt.length);
    expect(handled).toBe(0);
    expect(responses.map((r) => r.id)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(responses.every((r) => r.status === STATUS.BAD_REQUEST)).toBe(true);
    expect(server.stats.badRequests).toBe(6);
    expect(errors[0]).toMatch(/key length 1025 > 1024/);
    expect(errors[1]).toMatch(/key length 4294967295 > 1024/);
    expect(errors[3]).toMatch(/value length 2147483647 > 4096/);
    expect(errors[4]).toMatch(/unknown op 0/);
    await server.stop();
  });

  it('drops a request that names a lane that does not exist, and keeps serving', async () => {
    const { sab } = createChannel(8, 2);
    const layout = channelLayout(8, 2);
    const words = new Int32Array(sab);
    const client = new ChannelClient(sab, 1);
    client.trySubmit({ id: 5, op: OP_GET, key: enc('k') });
    words[(layout.requestSlots + REQ_CLIENT) >> 2] = 2;
    client.trySubmit({ id: 6, op: OP_GET, key: enc('k') });
    const errors: string[] = [];
    const server = new ChannelServer(sab, { onError: (e) => errors.push(e.message) });
    server.serve(echo);
    const [response] = await collect(client, 1);
    expect(response.id).toBe(6);
    expect(server.stats.dropped).toBe(1);
    expect(errors).toEqual(['channel: request 5 names lane 2, which does not exist; dropped']);
    await server.stop();
  });

  it('reports an oversize length in a response slot as BAD_RESPONSE, keeping the id', async () => {
    const { sab } = createChannel(8, 1);
    const layout = channelLayout(8, 1);
    const words = new Int32Array(sab);
    const server = new ChannelServer(sab);
    server.serve(() => ({ status: STATUS.OK, value: enc('fine') }));
    const client = new ChannelClient(sab);
    client.trySubmit({ id: 77, op: OP_GET, key: enc('k') });
    await until(() => server.stats.responses === 1);
    words[(responseRingOffset(layout, 0) + RESP_VALUE_LEN) >> 2] = 4097;
    const [response] = await collect(client, 1);
    expect(response).toEqual({ id: 77, status: STATUS.BAD_RESPONSE, value: new Uint8Array(0) });
    await server.stop();
  });

  it('turns handler failures and unusable replies into SERVER_ERROR', async () => {
    const { sab } = createChannel(8, 1);
    const errors: string[] = [];
    const server = new ChannelServer(sab, { onError: (e) => errors.push(e.message) });
    server.serve((req) => {
      switch (req.id) {
        case 1:
          throw new Error('boom');
        case 2:
          return Promise.reject(new Error('async boom'));
        case 3:
          return { status: 0, value: new Uint8Array(4097) };
        case 4:
          return { status: Number.NaN };
        case 5:
          return undefined as unknown as ChannelReply;
        default:
          return { status: STATUS.OK };
      }
    });
    const client = new ChannelClient(sab);
    for (let id = 1; id <= 6; id++) client.trySubmit({ id, op: OP_GET, key: enc('k') });
    const responses = await collect(client, 6);
    const statusOf = new Map(responses.map((r) => [r.id, r.status]));
    expect([1, 2, 3, 4, 5, 6].map((id) => statusOf.get(id))).toEqual([-3, -3, -3, -3, -3, 0]);
    expect(server.stats.handlerErrors).toBe(2);
    expect(errors.some((m) => m.includes('boom'))).toBe(true);
    await server.stop();
  });

  it('gives each lane to one client and the ring to one server', async () => {
    const { sab } = createChannel(8, 2);
    const first = new ChannelClient(sab, 0);
    expect(() => new ChannelClient(sab, 0)).toThrow(/lane 0 is already in use/);
    expect(() => new ChannelClient(sab, 2)).toThrow(/lane 2 does not exist/);
    first.close();
    expect(() => new ChannelClient(sab, 0).close()).not.toThrow();
    expect(() => first.trySubmit({ id: 1, op: OP_GET, key: enc('k') })).toThrow(/closed/);

    const server = new ChannelServer(sab);
    const serving = server.serve(echo);
    expect(() => new ChannelServer(sab).serve(echo)).toThrow(/another ChannelServer/);
    expect(() => server.serve(echo)).toThrow(/already running/);
    await server.stop();
    await serving;
    const next = new ChannelServer(sab);
    next.serve(echo);
    await next.stop();
  });

  it('rings a doorbell only when the other side is waiting', async () => {
    const { sab } = createChannel(8, 1);
    const words = new Int32Array(sab);
    const client = new ChannelClient(sab);
    client.trySubmit({ id: 1, op: OP_GET, key: enc('k') }); // no server yet: nobody is waiting
    client.trySubmit({ id: 2, op: OP_GET, key: enc('k') });
    expect(client.stats.doorbellsRung).toBe(0);
    const server = new ChannelServer(sab);
    server.serve(echo);
    await collect(client, 2);
    expect(server.stats.doorbellsRung).toBe(0); // the client polls; it never said it was waiting
    await until(() => words[(SERVER_BELL + BELL_WAITING) >> 2] === 1); // the server is asleep again
    client.trySubmit({ id: 3, op: OP_GET, key: enc('k') });
    expect(client.stats.doorbellsRung).toBe(1);
    await collect(client, 1);
    await server.stop();
  });

  it('stop() waits for handlers in flight and delivers their answers', async () => {
    const { sab } = createChannel(8, 1);
    const server = new ChannelServer(sab);
    server.serve(async (req) => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return { status: req.id };
    });
    const client = new ChannelClient(sab);
    client.trySubmit({ id: 9, op: OP_GET, key: enc('k') });
    await until(() => server.stats.requests === 1);
    await server.stop();
    const responses: ChannelResponse[] = [];
    client.pollResponses((r) => responses.push(r));
    expect(responses.map((r) => r.status)).toEqual([9]);
  });
});
