import { describe, expect, it } from 'vitest';
import { ChannelClient, ChannelError, ChannelServer, createChannel } from '../../../channel/channel.js';
import { channelLayout, REQUEST_RING, REQUEST_SLOT_SIZE, RESPONSE_SLOT_SIZE, SLOT_ID } from '../../../channel/layout.js';
import { SLOT_EMPTY, SLOT_READY, SLOT_WRITING, SlotRing, slotTag } from '../../../channel/slot-ring.js';

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
