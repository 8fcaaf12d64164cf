// The behaviour every KvBackend must show, as one suite each backend's test file runs.

import { describe, expect, it } from 'vitest';

import type { KvBackend } from '../../proxy/kv/backend.js';
import { KvError } from '../../proxy/kv/errors.js';

export interface ContractOptions {
  /** Opens the backend under test; called once per test. */
  open: () => Promise<KvBackend>;
  /** Opens a second instance over the same storage, for persistence (omit for memory). */
  reopen?: () => Promise<KvBackend>;
  /** Requests in the same-key race (fewer for slow backends). */
  raceRequests?: number;
}

export const key = (text: string): Buffer => Buffer.from(text, 'latin1');

/** Bytes 0..255 repeated to length. */
export function everyByte(length: number, shift = 0): Buffer {
  const value = Buffer.alloc(length);
  for (let i = 0; i < length; i++) value[i] = (i + shift) & 0xff;
  return value;
}

/** Bytes 1..255 repeated to length: a legal key with every non-zero byte. */
export function everyKeyByte(length: number): Buffer {
  const value = Buffer.alloc(length);
  for (let i = 0; i < length; i++) value[i] = (i % 255) + 1;
  return value;
}

async function expectKind(promise: Promise<unknown>, kind: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KvError);
  expect((error as KvError).kind).toBe(kind);
}

async function using<T>(open: () => Promise<KvBackend>, body: (kv: KvBackend) => Promise<T>): Promise<T> {
  const kv = await open();
  try {
    return await body(kv);
  } finally {
    await kv.close();
  }
}

export function backendContract(label: string, options: ContractOptions): void {
  const { open } = options;

  describe(`${label}: the KvBackend contract`, () => {
    it('reads an absent key as undefined', () =>
      using(open, async (kv) => {
        expect(await kv.get(key('never-written'))).toBeUndefined();
      }));

    it('puts, gets, overwrites and deletes', () =>
      using(open, async (kv) => {
        await kv.put(key('k'), key('one'));
        expect(await kv.get(key('k'))).toEqual(key('one'));
        await kv.put(key('k'), key('second value'));
        expect(await kv.get(key('k'))).toEqual(key('second value'));
        await kv.delete(key('k'));
        expect(await kv.get(key('k'))).toBeUndefined();
      }));

    it('deletes a missing key successfully', () =>
      using(open, async (kv) => {
        await kv.delete(key('missing'));
        await kv.delete(key('missing'));
      }));

    it('stores binary values byte for byte, up to 4096 bytes', () =>
      using(open, async (kv) => {
        const all = everyByte(256);
        const largest = everyByte(4096, 7);
        await kv.put(key('all'), all);
        await kv.put(key('largest'), largest);
        await kv.put(key('one'), Buffer.from([0]));
        expect(await kv.get(key('all'))).toEqual(all);
        expect(await kv.get(key('largest'))).toEqual(largest);
        expect(await kv.get(key('one'))).toEqual(Buffer.from([0]));
      }));

    it('keeps unusual keys apart: empty, 1024 bytes, every byte, case, paths', () =>
      using(open, async (kv) => {
        const keys = [
          Buffer.alloc(0),
          everyKeyByte(1024),
          everyKeyByte(1023),
          everyKeyByte(255),
          Buffer.alloc(1024, 0xff),
          key('Key'),
          key('KEY'),
          key('key'),
          key('a/./b'),
          key('a/b'),
          key('a//b'),
          key('../x'),
          key('x'),
          key('/'),
          key('.'),
          key('..'),
          key(' '),
          key('%2F'),
        ];
        await Promise.all(keys.map((k, i) => kv.put(k, Buffer.from(`value ${i}`))));
        for (const [i, k] of keys.entries()) {
          expect(await kv.get(k), `key #${i}`).toEqual(Buffer.from(`value ${i}`));
        }
        await kv.delete(key('a/b'));
        expect(await kv.get(key('a/./b'))).toEqual(Buffer.from('value 8'));
      }));

    it('rejects illegal keys and values with a typed error, and keeps serving', () =>
      using(open, async (kv) => {
        await expectKind(kv.put(Buffer.alloc(1025, 0x61), key('v')), 'invalid-key');
        await expectKind(kv.get(Buffer.from([0x61, 0, 0x62])), 'invalid-key');
        await expectKind(kv.delete('text' as unknown as Buffer), 'invalid-key');
        await expectKind(kv.put(key('k'), Buffer.alloc(4097)), 'invalid-value');
        await expectKind(kv.put(key('k'), Buffer.alloc(0)), 'invalid-value');
        await kv.put(key('k'), key('fine'));
        expect(await kv.get(key('k'))).toEqual(key('fine'));
        expect(kv.stats().failures).toEqual({ 'invalid-key': 3, 'invalid-value': 2 });
      }));

    it('is not affected by callers reusing their buffers', () =>
      using(open, async (kv) => {
        const value = Buffer.from('original');
        await kv.put(key('k'), value);
        value.fill(0x21);
        const read = (await kv.get(key('k')))!;
        expect(read).toEqual(Buffer.from('original'));
        read.fill(0x22);
        expect(await kv.get(key('k'))).toEqual(Buffer.from('original'));
      }));

    it('never tears a value under concurrent same-key puts and gets', () =>
      using(open, async (kv) => {
        const target = key('contended');
        const candidates = Array.from({ length: 6 }, (_, i) => everyByte(4096 - i * 500, i * 31));
        const requests = options.raceRequests ?? 300;
        const reads: Promise<Buffer | undefined>[] = [];
        const writes: Promise<void>[] = [];
        for (let i = 0; i < requests; i++) {
          if (i % 2 === 0) writes.push(kv.put(target, candidates[(i / 2) % candidates.length]));
          else reads.push(kv.get(target));
        }
        await Promise.all(writes);
        for (const read of await Promise.all(reads)) {
          if (read === undefined) continue; // a read that ran before the first put
          expect(candidates.some((c) => c.equals(read))).toBe(true);
        }
        const last = await kv.get(target);
        expect(candidates.some((c) => c.equals(last!))).toBe(true);
        expect(kv.stats().peakInFlight).toBeGreaterThan(1);
      }));

    it('counts requests and reports nothing in flight when idle', () =>
      using(open, async (kv) => {
        await kv.put(key('a'), key('1'));
        await kv.get(key('a'));
        await kv.get(key('b'));
        await kv.delete(key('a'));
        const stats = kv.stats();
        expect(stats.requests).toEqual({ get: 2, put: 1, delete: 1 });
        expect(stats.failures).toEqual({});
        expect(stats.inFlight).toBe(0);
        expect(stats.peakInFlight).toBeGreaterThanOrEqual(1);
      }));

    it('finishes requests in flight on close, then rejects new ones', async () => {
      const kv = await open();
      const inFlight = kv.put(key('late'), key('value'));
      await kv.close();
      await inFlight;
      await expectKind(kv.get(key('late')), 'closed');
      await kv.close(); // closing twice is harmless
    });

    if (options.reopen) {
      const reopen = options.reopen;
      it('keeps its data across close and reopen', async () => {
        await using(open, async (kv) => {
          await kv.put(key(''), key('empty key'));
          await kv.put(everyKeyByte(1024), everyByte(4096));
          await kv.put(key('deleted'), key('x'));
          await kv.delete(key('deleted'));
        });
        await using(reopen, async (kv) => {
          expect(await kv.get(key(''))).toEqual(key('empty key'));
          expect(await kv.get(everyKeyByte(1024))).toEqual(everyByte(4096));
          expect(await kv.get(key('deleted'))).toBeUndefined();
        });
      });
    }
  });
}
