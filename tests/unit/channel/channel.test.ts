import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  RESPONSE_SLOT_SIZE,
  responseRingOffset,
  SERVER_BELL,
  SLOT_ID,
} from '../../../channel/layout.js';
import { SLOT_EMPTY, SLOT_READY, SLOT_WRITING, SlotRing, slotTag } from '../../../channel/slot-ring.js';
import { expectedReply, requestFor } from './channel-protocol.js';
import type { ProducerData, ProducerReport } from './channel-producer.worker.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Lets the event loop run (server wake-ups, handler promises) until `done()` or a timeout. */
async function until(done: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Polls `client` from the event loop until `count` responses have arrived. */
async function collect(client: ChannelClient, count: number, into: ChannelResponse[] = []): Promise<ChannelResponse[]> {
  await until(() => {
    client.pollResponses((r) => into.push(r));
    return into.length >= count;
  });
  return into;
}

const echo = (request: ServedRequest): ChannelReply => expectedReply(request);

describe('channel layout', () => {
  it('accepts power-of-two slot counts and bounded client counts only', () => {
    for (const slots of [0, 3, 100, 8192, 1.5, NaN]) expect(() => channelLayout(slots, 1)).toThrow(RangeError);
    for (const clients of [0, 65, 1.5]) expect(() => channelLayout(8, clients)).toThrow(RangeError);
    expect(channelLayout(1, 1).slots).toBe(1);
    expect(createChannel().slots).toBe(256);
  });

  it('keeps slots 64-byte aligned', () => {
    const layout = channelLayout(256, 4);
    expect(layout.requestSlots % 64).toBe(0);
    expect(layout.responseSlots % 64).toBe(0);
    expect(REQUEST_SLOT_SIZE % 64).toBe(0);
    expect(RESPONSE_SLOT_SIZE % 64).toBe(0);
    expect(layout.totalBytes).toBe(layout.responseSlots + 4 * 256 * RESPONSE_SLOT_SIZE);
  });

  it('refuses buffers that are not channels, or whose header does not match their size', () => {
    expect(() => new ChannelClient(new SharedArrayBuffer(4096))).toThrow(/bad magic/);
    expect(() => new ChannelClient(new SharedArrayBuffer(3))).toThrow(ChannelError);
    const { sab } = createChannel(8, 1);
    const words = new Int32Array(sab);
    words[2] = 16; // slot count no longer matches the buffer
    expect(() => new ChannelServer(sab)).toThrow(/header says/);
    words[2] = 7; // not a power of two
    expect(() => new ChannelServer(sab)).toThrow(/corrupt header/);
  });
});

describe('slot ring (one thread)', () => {
  function ring(slots: number, start = 0): SlotRing {
    const layout = channelLayout(slots, 1);
    const r = new SlotRing(new Int32Array(new SharedArrayBuffer(layout.totalBytes)), REQUEST_RING, layout.requestSlots, slots, REQUEST_SLOT_SIZE);
    r.initialize(start);
    return r;
  }

  it('is full after `slots` claims and empties in FIFO order', () => {
    const r = ring(4);
    const claimed = [0, 1, 2, 3].map(() => r.beginWrite());
    expect(claimed.every((offset) => offset >= 0)).toBe(true);
    expect(new Set(claimed).size).toBe(4);
    expect(r.beginWrite()).toBe(-1);
    expect(r.hasFree()).toBe(false);
    for (const offset of claimed) r.endWrite(offset);
    for (const offset of claimed) {
      expect(r.beginRead()).toBe(offset);
      r.endRead();
    }
    expect(r.beginRead()).toBe(-1);
    expect(r.used()).toBe(0);
  });

  it('does not let the consumer read a slot that is still being written', () => {
    const r = ring(4);
    const first = r.beginWrite();
    const second = r.beginWrite();
    r.endWrite(second);
    expect(r.beginRead()).toBe(-1); // the head slot is WRITING: wait for it, do not skip it
    r.endWrite(first);
    expect(r.beginRead()).toBe(first);
  });

  it('tags slot states with the ring position', () => {
    const r = ring(2);
    const words = new Int32Array((r as unknown as { words: Int32Array }).words.buffer);
    const offset = r.beginWrite();
    expect(words[offset >> 2]).toBe(slotTag(0, SLOT_WRITING, 2));
    r.endWrite(offset);
    expect(words[offset >> 2]).toBe(slotTag(0, SLOT_READY, 2));
    r.beginRead();
    r.endRead();
    expect(words[offset >> 2]).toBe(slotTag(2, SLOT_EMPTY, 2));
  });

  it('starts in zeroed memory without touching a slot, and serves lap after lap from there', () => {
    const slots = 4;
    const layout = channelLayout(slots, 1);
    const words = new Int32Array(new SharedArrayBuffer(layout.totalBytes));
    const r = new SlotRing(words, REQUEST_RING, layout.requestSlots, slots, REQUEST_SLOT_SIZE);
    r.initialize(0, true);
    expect(words.every((w) => w === 0)).toBe(true); // lap 0's EMPTY is 0: nothing to write
    for (let n = 0; n < 3 * slots; n++) {
      const offset = r.beginWrite();
      expect(offset).toBeGreaterThan(0);
      words[(offset >> 2) + 1] = n;
      r.endWrite(offset);
      const read = r.beginRead();
      expect(read).toBe(offset);
      expect(words[(read >> 2) + 1]).toBe(n);
      r.endRead();
    }
    // Fill it: exactly `slots` claims succeed, as in a ring initialised word by word.
    for (let n = 0; n < slots; n++) expect(r.beginWrite()).toBeGreaterThan(0);
    expect(r.beginWrite()).toBe(-1);
  });

  it('keeps working across the 2^32 wrap of its position counters', () => {
    const r = ring(4, 0xfffffff0 | 0);
    const words = new Int32Array((r as unknown as { words: Int32Array }).words.buffer);
    for (let lap = 0; lap < 20; lap++) {
      const offsets = [r.beginWrite(), r.beginWrite(), r.beginWrite()];
      offsets.forEach((o, i) => {
        words[(o + SLOT_ID) >> 2] = lap * 3 + i;
        r.endWrite(o);
      });
      for (let i = 0; i < 3; i++) {
        const o = r.beginRead();
        expect(words[(o + SLOT_ID) >> 2]).toBe(lap * 3 + i);
        r.endRead();
      }
    }
    expect(r.beginRead()).toBe(-1);
  });

  it('reports space wanted to the consumer exactly once', () => {
    const r = ring(1);
    r.endWrite(r.beginWrite());
    expect(r.beginWrite()).toBe(-1);
    r.askForSpace();
    r.beginRead();
    expect(r.endRead()).toBe(true);
    r.endWrite(r.beginWrite());
    r.beginRead();
    expect(r.endRead()).toBe(false);
  });
});

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

/** A ChannelReply as the client sees it (value always present). */
function normalized(reply: ChannelReply): { status: number; value: Uint8Array } {
  return { status: reply.status, value: reply.value ?? new Uint8Array(0) };
}

// Producers in real worker threads run the real channel module. vitest
// transforms .ts only inside its own process, and TypeScript 7 has no
// in-process transpile API, so beforeAll compiles the channel and the worker
// script with the project's own tsc (about a second) into a temporary
// directory marked as ESM, and the workers load the compiled JavaScript.
describe('channel across worker threads', () => {
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  let outDir = '';
  let workerFile = '';

  beforeAll(() => {
    outDir = mkdtempSync(join(tmpdir(), 'channel-test-'));
    writeFileSync(join(outDir, 'package.json'), '{"type":"module"}\n');
    const channelDir = join(root, 'channel');
    const sources = readdirSync(channelDir)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(channelDir, f));
    sources.push(join(root, 'tests/unit/channel/channel-producer.worker.ts'), join(root, 'tests/unit/channel/channel-protocol.ts'));
    execFileSync(
      process.execPath,
      [
        join(root, 'node_modules/typescript/bin/tsc'),
        '--ignoreConfig',
        '--outDir',
        outDir,
        '--rootDir',
        root,
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'es2022',
        '--strict',
        '--skipLibCheck',
        '--types',
        'node',
        ...sources,
      ],
      { cwd: root, stdio: 'pipe' },
    );
    workerFile = join(outDir, 'tests/unit/channel/channel-producer.worker.js');
  });
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  function startProducer(data: ProducerData, onMessage?: (message: unknown) => void): Promise<ProducerReport> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(workerFile, { workerData: data });
      worker.on('message', (message: { ready?: boolean } & ProducerReport) => {
        if (message.ready) onMessage?.(message);
        else resolve(message);
      });
      worker.on('error', reject);
      worker.on('exit', (code) => code !== 0 && reject(new Error(`producer ${data.lane} exited with ${code}`)));
    });
  }

  /** A handler that answers in a scrambled order: now, after a microtask, after I/O, or after a short timer. */
  function scrambledEcho(request: ServedRequest): ChannelReply | Promise<ChannelReply> {
    const reply = echo(request);
    switch ((request.id * 7 + request.client) % 4) {
      case 0:
        return reply;
      case 1:
        return Promise.resolve(reply);
      case 2:
        return new Promise((resolve) => setImmediate(() => resolve(reply)));
      default:
        return new Promise((resolve) => setTimeout(() => resolve(reply), request.id % 3));
    }
  }

  async function runProducers(slots: number, producers: number, count: number) {
    const { sab } = createChannel(slots, producers);
    const server = new ChannelServer(sab);
    const serving = server.serve(scrambledEcho);
    const reports = await Promise.all(Array.from({ length: producers }, (_, lane) => startProducer({ sab, lane, mode: 'load', count, idleMs: 0 })));
    await server.stop();
    await serving;
    return { reports, server };
  }

  it('4 producers x 10,000 requests: every request answered exactly once, with its own answer', async () => {
    const { reports, server } = await runProducers(256, 4, 10_000);
    for (const report of reports) {
      expect(report).toMatchObject({ answered: 10_000, duplicates: 0, unknownIds: 0, wrongAnswers: 0, waitTimeouts: 0 });
    }
    expect(server.stats).toMatchObject({ requests: 40_000, responses: 40_000, badRequests: 0, dropped: 0, handlerErrors: 0 });
  });

  it('a small ring under 4 producers: backpressure across threads, nothing lost', async () => {
    const { reports, server } = await runProducers(4, 4, 3_000);
    for (const report of reports) {
      expect(report).toMatchObject({ answered: 3_000, duplicates: 0, unknownIds: 0, wrongAnswers: 0, waitTimeouts: 0 });
    }
    expect(reports.reduce((sum, r) => sum + r.fullRejections, 0)).toBeGreaterThan(0);
    expect(server.stats.responses).toBe(12_000);
  });

  it('an idle server and an idle client use almost no CPU', async () => {
    const { sab } = createChannel(256, 1);
    const server = new ChannelServer(sab);
    server.serve(echo);
    let ready!: () => void;
    const producerReady = new Promise<void>((resolve) => (ready = resolve));
    const finished = startProducer({ sab, lane: 0, mode: 'idle', count: 0, idleMs: 1500 }, () => ready());
    await producerReady;
    await new Promise((resolve) => setTimeout(resolve, 100)); // let the worker settle into Atomics.wait
    const sleepsBefore = server.stats.sleeps;
    const before = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const used = process.cpuUsage(before);
    const cpuMs = (used.user + used.system) / 1000;
    // A spinning loop on either side would use ~1000 ms here.
    expect(cpuMs).toBeLessThan(100);
    expect(server.stats.sleeps).toBe(sleepsBefore);
    const report = await finished;
    expect(report.idleWaitResult).toBe(false); // the client's wait timed out: nothing woke it
    await server.stop();
  });
});
