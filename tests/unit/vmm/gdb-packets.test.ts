// The gdb stub's packet layer (vmm/debug/packets.ts): what a debugger sends is split
// into packets whatever the byte boundaries, bad checksums and oversized or garbled
// input are reported rather than thrown, and replies are framed, escaped and
// run-length encoded as the GDB remote protocol defines.
import { describe, expect, it } from 'vitest';
import { bytesOf, checksum, escapeBinary, framePacket, MAX_PACKET, PacketReader, runLengthEncode, textOf, unescapeBinary } from '../../../vmm/debug/packets.js';

const framed = (payload: string) => {
  const sum = checksum(bytesOf(payload)).toString(16).padStart(2, '0');
  return bytesOf(`$${payload}#${sum}`);
};

/** Expands a run-length encoded reply as gdb does. */
function expandRuns(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '*') {
      out += out[out.length - 1].repeat(text.charCodeAt(i + 1) - 29);
      i++;
    } else out += text[i];
  }
  return out;
}

describe('PacketReader', () => {
  it('finds packets split across reads and ignores acks and noise between them', () => {
    const reader = new PacketReader();
    const stream = new Uint8Array([...bytesOf('+junk'), ...framed('qSupported:swbreak+'), ...bytesOf('-'), ...framed('g')]);
    const payloads: string[] = [];
    for (const b of stream) {
      for (const e of reader.feed(Uint8Array.of(b))) if (e.kind === 'packet') payloads.push(textOf(e.payload));
    }
    expect(payloads).toEqual(['qSupported:swbreak+', 'g']);
  });

  it('reports a bad checksum and goes on with the next packet', () => {
    const reader = new PacketReader();
    const events = reader.feed(new Uint8Array([...bytesOf('$m0,4#00'), ...bytesOf('$g#zz'), ...framed('?')]));
    expect(events.map((e) => e.kind)).toEqual(['bad-checksum', 'bad-checksum', 'packet']);
  });

  it('drops a packet longer than the limit whole, then reads the next one', () => {
    const reader = new PacketReader();
    const huge = `M0,1:${'a'.repeat(MAX_PACKET * 4)}`;
    const events = reader.feed(new Uint8Array([...framed(huge), ...framed('?')]));
    expect(events.map((e) => e.kind)).toEqual(['too-long', 'packet']);
  });

  it('sees the interrupt byte between packets', () => {
    const reader = new PacketReader();
    expect(reader.feed(Uint8Array.of(0x03)).map((e) => e.kind)).toEqual(['interrupt']);
  });

  it('survives random bytes', () => {
    const reader = new PacketReader(256);
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed & 0xff;
    };
    for (let round = 0; round < 200; round++) {
      const chunk = Uint8Array.from({ length: 512 }, random);
      expect(() => reader.feed(chunk)).not.toThrow();
    }
    // Still in step afterwards: a clean start finds the next packet.
    const events = reader.feed(new Uint8Array([...bytesOf('#00'), ...framed('?')]));
    expect(events.some((e) => e.kind === 'packet' && textOf(e.payload) === '?')).toBe(true);
  });
});

describe('framing replies', () => {
  it('frames with the checksum of what is sent', () => {
    expect(textOf(framePacket(bytesOf('OK')))).toBe('$OK#9a');
  });

  it('escapes #, $, } and * in binary data and reads them back', () => {
    const data = Uint8Array.of(0x23, 0x24, 0x7d, 0x2a, 0x00, 0xff);
    const escaped = escapeBinary(data);
    expect([...escaped]).toEqual([0x7d, 0x03, 0x7d, 0x04, 0x7d, 0x5d, 0x7d, 0x0a, 0x00, 0xff]);
    expect([...unescapeBinary(escaped)]).toEqual([...data]);
  });

  it('run-length encodes long runs, never with # or $ as the count', () => {
    for (const n of [1, 3, 4, 5, 7, 8, 9, 40, 97, 98, 99, 300]) {
      const plain = `1${'0'.repeat(n)}f`;
      const encoded = textOf(runLengthEncode(bytesOf(plain)));
      expect(expandRuns(encoded)).toBe(plain);
      for (let i = 0; i < encoded.length; i++) {
        if (encoded[i] === '*') expect(['#', '$']).not.toContain(encoded[i + 1]);
      }
      if (n >= 8) expect(encoded.length).toBeLessThan(plain.length);
    }
  });

  it('encodes a register dump of zeros compactly and checksums the encoded form', () => {
    const packet = textOf(framePacket(bytesOf('0'.repeat(64)), true));
    const body = packet.slice(1, packet.indexOf('#'));
    expect(expandRuns(body)).toBe('0'.repeat(64));
    expect(packet.endsWith(checksum(bytesOf(body)).toString(16).padStart(2, '0'))).toBe(true);
  });
});
