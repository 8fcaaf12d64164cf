// The GDB remote serial protocol's framing: `$payload#checksum`, acknowledgements
// (`+`/`-`, until QStartNoAckMode), the interrupt byte 0x03, binary escapes (`}` then
// the byte xor 0x20) and run-length encoding of replies (`*` then the count + 29).
// Bytes arrive from a debugger the VMM does not trust: a bad checksum, a packet with
// no end, or garbage between packets is answered or dropped, never thrown.

/** What the reader found in the bytes it was fed. */
export type PacketEvent =
  | { kind: 'packet'; payload: Uint8Array }
  /** A packet whose checksum did not match (answered with `-` while acks are on). */
  | { kind: 'bad-checksum' }
  /** A packet longer than the limit: dropped whole, answered with an error. */
  | { kind: 'too-long' }
  /** The interrupt byte (Ctrl-C in gdb). */
  | { kind: 'interrupt' };

/** The largest packet the stub accepts (and advertises as PacketSize). */
export const MAX_PACKET = 0x4000;

const DOLLAR = 0x24;
const HASH = 0x23;
const BRACE = 0x7d;
const STAR = 0x2a;
const INTERRUPT = 0x03;

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  return -1;
}

/** The checksum of a payload as sent: the sum of its bytes modulo 256. */
export function checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (const b of bytes) sum = (sum + b) & 0xff;
  return sum;
}

/** Splits a byte stream into packets; keeps a partial packet between feeds. */
export class PacketReader {
  private state: 'idle' | 'body' | 'sum1' | 'sum2' = 'idle';
  private body: number[] = [];
  private sum = 0;
  private sumHigh = 0;
  /** The current packet outgrew the limit: it is read to its end and dropped. */
  private dropping = false;

  constructor(private readonly limit = MAX_PACKET) {}

  feed(bytes: Uint8Array): PacketEvent[] {
    const events: PacketEvent[] = [];
    for (const b of bytes) {
      switch (this.state) {
        case 'idle':
          // `+`, `-` and anything else between packets mean nothing to a stub.
          if (b === DOLLAR) this.open();
          else if (b === INTERRUPT) events.push({ kind: 'interrupt' });
          break;
        case 'body':
          if (b === HASH) this.state = 'sum1';
          else if (b === DOLLAR)
            this.open(); // a new start abandons the old packet
          else if (this.dropping) break;
          else if (this.body.length >= this.limit) {
            this.dropping = true;
            this.body = [];
            events.push({ kind: 'too-long' });
          } else {
            this.body.push(b);
            this.sum = (this.sum + b) & 0xff;
          }
          break;
        case 'sum1':
          this.sumHigh = hexValue(b);
          this.state = 'sum2';
          break;
        case 'sum2': {
          const low = hexValue(b);
          this.state = 'idle';
          if (this.dropping) break;
          if (this.sumHigh < 0 || low < 0 || ((this.sumHigh << 4) | low) !== this.sum) events.push({ kind: 'bad-checksum' });
          else events.push({ kind: 'packet', payload: Uint8Array.from(this.body) });
          this.body = [];
          break;
        }
      }
    }
    return events;
  }

  private open(): void {
    this.state = 'body';
    this.body = [];
    this.sum = 0;
    this.dropping = false;
  }
}

/** Escapes binary data for a packet: `#`, `$`, `}` and `*` become `}` and the byte xor 0x20. */
export function escapeBinary(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (const b of data) {
    if (b === HASH || b === DOLLAR || b === BRACE || b === STAR) out.push(BRACE, b ^ 0x20);
    else out.push(b);
  }
  return Uint8Array.from(out);
}

/** Undoes escapeBinary (an X packet's data); a trailing lone `}` is dropped. */
export function unescapeBinary(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < data.length; i++) {
    if (data[i] === BRACE) {
      if (i + 1 < data.length) out.push(data[++i] ^ 0x20);
    } else out.push(data[i]);
  }
  return Uint8Array.from(out);
}

/**
 * Run-length encodes a reply made of printable characters (not binary: its escapes
 * would be repeated as plain bytes). A run of n > 3 copies of c becomes c, `*`,
 * and the character n - 1 + 29; counts that would give `#` or `$` are shortened.
 */
export function runLengthEncode(text: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    let run = 1;
    while (i + run < text.length && text[i + run] === c && run < 98) run++;
    out.push(c);
    let repeats = run - 1;
    if (repeats >= 3) {
      while (repeats + 29 === HASH || repeats + 29 === DOLLAR) repeats--;
      out.push(STAR, repeats + 29);
      i += repeats + 1;
    } else i++;
  }
  return Uint8Array.from(out);
}

/** A whole packet for `payload`: `$`, the payload (run-length encoded if asked), `#`, two hex digits. */
export function framePacket(payload: Uint8Array, encodeRuns = false): Uint8Array {
  const body = encodeRuns ? runLengthEncode(payload) : payload;
  const sum = checksum(body).toString(16).padStart(2, '0');
  const out = new Uint8Array(body.length + 4);
  out[0] = DOLLAR;
  out.set(body, 1);
  out[body.length + 1] = HASH;
  out[body.length + 2] = sum.charCodeAt(0);
  out[body.length + 3] = sum.charCodeAt(1);
  return out;
}

/** Latin-1 text to bytes and back: payloads are bytes, commands are ASCII. */
export const bytesOf = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
export const textOf = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
