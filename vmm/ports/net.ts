// The network device: port NET. The kernel (guest-src/kernel/net/) writes the address
// of an HcNet block; the device decodes it (sockaddrs, iovecs, option values, all in
// guest memory and checked here), asks the socket table behind the NetStack interface
// (vmm/net/stack.ts) and answers in the block before the `out` returns: an operation
// that would wait answers -EAGAIN. Whenever a socket's readiness changes, the device
// writes it into the socket's NetState block, so the kernel's poll needs no VM exit,
// and wakes the guest's waiters: through HcNet.notify during a hypercall, through
// VEC_IO when the change came from the host. A connected stream's received bytes go
// on into the socket's receive ring (receive-ring.ts), where a plain recv takes them
// without a VM exit.
import { HcNet, MISC, NetBatchEntry, NetState } from '../generated/abi.js';
import type { GuestMemory } from '../guest-memory.js';
import type { PortDevice } from '../port-bus.js';
import type { DeviceContext } from './device.js';
import { ReceiveRings } from './receive-ring.js';

export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;

/** A socket address as the socket table sees it. */
export interface SockAddr {
  family: number;
  /** Dotted IPv4 or IPv6 text (AF_INET, AF_INET6). */
  address: string;
  port: number;
  /** AF_UNIX: the path; an abstract name starts with "\0". */
  path?: string;
}

export type Received = { bytes: Uint8Array; from?: SockAddr; eor?: boolean };

/** The guest's sockets (vmm/net/stack.ts): handles, results as numbers or -errno. */
export interface NetStack {
  socket(domain: number, type: number, protocol: number): number;
  pair(domain: number, type: number): [number, number] | number;
  bind(h: number, addr: SockAddr): number;
  listen(h: number, backlog: number): number;
  accept(h: number): number;
  connect(h: number, addr: SockAddr, nonblock: boolean): number;
  /** At most `room` bytes are asked for; `take` copies them when the table accepts. */
  send(h: number, room: number, take: (n: number) => Uint8Array, flags: number, to: SockAddr | undefined): number;
  recv(h: number, room: number, flags: number): Received | number;
  shutdown(h: number, how: number): number;
  close(h: number): void;
  name(h: number, peer: boolean): SockAddr | number;
  setopt(h: number, level: number, name: number, value: Uint8Array): number;
  getopt(h: number, level: number, name: number): Uint8Array | number;
  pending(h: number): number;
  /** Bytes a deferred send may still put in the send batch: a connected host stream's free send window, else 0. */
  sendRoom(h: number): number;
  /** Sends what the guest deferred (the send batch), against the room sendRoom gave. */
  sendDeferred(h: number, bytes: Uint8Array): void;
  /** Whether a socket's received bytes may wait in its receive ring: a connected stream to the host. */
  ringable(h: number): boolean;
  /** Takes the next `n` (<= pending) bytes of a stream for the receive ring: the host hears they are read when ringConsumed says so. */
  takeForRing(h: number, n: number): Uint8Array;
  /** The guest read `n` bytes that takeForRing gave. */
  ringConsumed(h: number, n: number): void;
  /** Puts bytes taken for the ring and not read back in front of the stream's received bytes. */
  unread(h: number, bytes: Uint8Array): void;
  /** POLL* bits ready now. */
  readiness(h: number): number;
  /** NET_QUICK_* bits: the calls whose -EAGAIN the kernel may tell from the POLL bits alone. */
  quick(h: number): number;
  /** SO_RCVTIMEO (receiving) or SO_SNDTIMEO in nanoseconds; 0 for none. */
  timeout(h: number, receiving: boolean): number;
  /** Called with each socket whose readiness may have changed (reading side, writing side). */
  onChange(listener: (h: number, input: boolean, output: boolean) => void): void;
}

export interface NetIrq {
  raiseIo(cpu: number): void;
}

const EAGAIN = 11;
const EINPROGRESS = 115;
const SOL_SOCKET = 1;
const SO_DOMAIN = 39;
const EFAULT = 14;
const EINVAL = 22;
const EAFNOSUPPORT = 97;
/** Largest send or receive one operation moves (a longer one moves this much: a short count). */
const MOVE_MAX = 256 * 1024;
const SOCKADDR_MAX = 128;

/** sockaddr bytes -> SockAddr, or -errno. */
export function decodeSockAddr(bytes: Uint8Array): SockAddr | number {
  if (bytes.length < 2) return -EINVAL;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const family = dv.getUint16(0, true);
  if (family === AF_INET) {
    if (bytes.length < 16) return -EINVAL;
    return { family, port: dv.getUint16(2, false), address: `${bytes[4]}.${bytes[5]}.${bytes[6]}.${bytes[7]}` };
  }
  if (family === AF_INET6) {
    if (bytes.length < 24) return -EINVAL;
    const parts: string[] = [];
    for (let i = 0; i < 8; i++) parts.push(dv.getUint16(8 + i * 2, false).toString(16));
    return { family, port: dv.getUint16(2, false), address: parts.join(':') };
  }
  if (family === AF_UNIX) {
    const rest = bytes.subarray(2);
    if (rest.length === 0) return { family, address: '', port: 0, path: '' };
    if (rest[0] === 0) return { family, address: '', port: 0, path: `\0${Buffer.from(rest.subarray(1)).toString('latin1')}` };
    const end = rest.indexOf(0);
    return { family, address: '', port: 0, path: Buffer.from(end < 0 ? rest : rest.subarray(0, end)).toString('latin1') };
  }
  return -EAFNOSUPPORT;
}

function ipv6Words(text: string): number[] {
  let t = text;
  const words: number[] = [];
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(t);
  if (v4) t = `${t.slice(0, v4.index)}${((+v4[1] << 8) | +v4[2]).toString(16)}:${((+v4[3] << 8) | +v4[4]).toString(16)}`;
  const [head, tail] = t.includes('::') ? t.split('::') : [t, undefined];
  const h = head ? head.split(':').map((w) => Number.parseInt(w, 16) || 0) : [];
  const tl = tail ? tail.split(':').map((w) => Number.parseInt(w, 16) || 0) : [];
  words.push(...h);
  if (tail !== undefined) for (let i = h.length + tl.length; i < 8; i++) words.push(0);
  words.push(...tl);
  return words.slice(0, 8);
}

/** SockAddr -> sockaddr bytes (what Linux returns: 16 for IPv4, 28 for IPv6). */
export function encodeSockAddr(addr: SockAddr): Uint8Array {
  if (addr.family === AF_UNIX) {
    const path = addr.path ?? '';
    const name = Buffer.from(path, 'latin1');
    const abstract = path.startsWith('\0');
    const out = new Uint8Array(2 + name.length + (abstract || name.length === 0 ? 0 : 1));
    out.set(name, 2);
    new DataView(out.buffer).setUint16(0, AF_UNIX, true);
    return out;
  }
  const v6 = addr.family === AF_INET6;
  const out = new Uint8Array(v6 ? 28 : 16);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, addr.family, true);
  dv.setUint16(2, addr.port, false);
  if (v6) {
    const words = ipv6Words(addr.address.includes(':') ? addr.address : `::ffff:${addr.address}`);
    for (let i = 0; i < 8; i++) dv.setUint16(8 + i * 2, words[i] ?? 0, false);
  } else {
    const parts = addr.address.split('.').map(Number);
    for (let i = 0; i < 4; i++) out[4 + i] = parts[i] ?? 0;
  }
  return out;
}

interface Iovec {
  base: number;
  len: number;
}

/** The iovec array at `at` (count entries), each range inside guest memory; -EFAULT if not. */
function readIovecs(mem: GuestMemory, at: number, count: number): Iovec[] | number {
  if (count > 1024 || !mem.contains(at, count * 16)) return -EFAULT;
  const list: Iovec[] = [];
  for (let i = 0; i < count; i++) {
    const base = mem.readU64Number(at + i * 16);
    const len = mem.readU64Number(at + i * 16 + 8);
    if (len === 0) continue;
    if (!mem.contains(base, len)) return -EFAULT;
    list.push({ base, len });
  }
  return list;
}

export function netDevice(ctx: DeviceContext, stack: NetStack, irq: NetIrq): PortDevice {
  const { mem } = ctx;
  /** Each socket's NetState block in guest memory. */
  const states = new Map<number, number>();
  let inCall = false;
  let notify = false;

  /** Adds one to a 64-bit change counter, as two 32-bit words (no BigInt on the hot path). */
  const bump = (at: number) => {
    const low = (mem.readU32(at) + 1) >>> 0;
    mem.writeU32(at, low);
    if (low === 0) mem.writeU32(at + 4, (mem.readU32(at + 4) + 1) >>> 0);
  };
  const rings = new ReceiveRings(mem, stack);
  const publish = (h: number, input: boolean, output: boolean) => {
    const at = states.get(h);
    if (at === undefined) return;
    if (rings.fill(h)) input = true;
    if (input) bump(at + NetState.in_gen);
    if (output) bump(at + NetState.out_gen);
    mem.writeU32(at + NetState.events, stack.readiness(h));
    mem.writeU32(at + NetState.quick, stack.quick(h));
    mem.writeU32(at + NetState.tx_room, Math.min(stack.sendRoom(h), MISC.NET_BATCH_SIZE));
  };
  stack.onChange((h, input, output) => {
    publish(h, input, output);
    if (inCall) notify = true;
    else irq.raiseIo(0);
  });
  const adopt = (h: number, state: number) => {
    if (!mem.contains(state, NetState.SIZE)) return false;
    states.set(h, state);
    rings.adopt(h, state);
    publish(h, false, false);
    return true;
  };

  /** Writes `addr` into the guest's sockaddr (cut to room); the whole length. */
  const answerAddress = (block: number, addr: SockAddr | undefined) => {
    const at = mem.readU64Number(block + HcNet.addr);
    const room = Math.min(mem.readU32(block + HcNet.addr_len), SOCKADDR_MAX);
    if (!addr || at === 0) {
      mem.writeU32(block + HcNet.addr_len, 0);
      return;
    }
    const bytes = encodeSockAddr(addr);
    const n = Math.min(room, bytes.length);
    if (n > 0 && mem.contains(at, n)) mem.copyIn(at, bytes.subarray(0, n));
    mem.writeU32(block + HcNet.addr_len, bytes.length);
  };
  const givenAddress = (block: number): SockAddr | number | undefined => {
    const at = mem.readU64Number(block + HcNet.addr);
    if (at === 0) return undefined;
    const len = mem.readU32(block + HcNet.addr_len);
    if (len > SOCKADDR_MAX) return -EINVAL;
    if (!mem.contains(at, len)) return -EFAULT;
    return decodeSockAddr(mem.copyOut(at, len));
  };

  const run = (block: number): number => {
    const op = mem.readU32(block + HcNet.op);
    const h = mem.readU32(block + HcNet.handle);
    const a0 = mem.readU64Number(block + HcNet.a0);
    const a1 = mem.readU64Number(block + HcNet.a1);
    const flags = mem.readU32(block + HcNet.flags);
    switch (op) {
      case MISC.NET_SOCKET: {
        const r = stack.socket(a0, a1, mem.readU64Number(block + HcNet.a2));
        if (r >= 0 && !adopt(r, mem.readU64Number(block + HcNet.a3))) {
          stack.close(r);
          return -EFAULT;
        }
        return r;
      }
      case MISC.NET_PAIR: {
        const r = stack.pair(a0, a1);
        if (typeof r === 'number') return r;
        if (!adopt(r[0], mem.readU64Number(block + HcNet.a2)) || !adopt(r[1], mem.readU64Number(block + HcNet.a3))) {
          for (const x of r) {
            states.delete(x);
            rings.forget(x);
            stack.close(x);
          }
          return -EFAULT;
        }
        mem.writeU64Number(block + HcNet.a0, r[1]);
        return r[0];
      }
      case MISC.NET_BIND:
      case MISC.NET_CONNECT: {
        const addr = givenAddress(block);
        if (addr === undefined) return -EINVAL;
        if (typeof addr === 'number') return addr;
        return op === MISC.NET_BIND ? stack.bind(h, addr) : stack.connect(h, addr, (flags & MISC.NET_NONBLOCK) !== 0);
      }
      case MISC.NET_LISTEN:
        return stack.listen(h, Number(BigInt.asIntN(64, BigInt(a0))));
      case MISC.NET_ACCEPT: {
        const state = a0;
        if (!mem.contains(state, NetState.SIZE)) return -EFAULT;
        const r = stack.accept(h);
        if (r < 0) return r;
        adopt(r, state);
        const peer = stack.name(r, true);
        answerAddress(block, typeof peer === 'number' ? undefined : peer);
        return r;
      }
      case MISC.NET_SEND: {
        const iov = readIovecs(mem, mem.readU64Number(block + HcNet.buf), mem.readU64Number(block + HcNet.len));
        if (typeof iov === 'number') return iov;
        const to = givenAddress(block);
        if (typeof to === 'number') return to;
        let total = 0;
        for (const v of iov) total += v.len;
        const take = (n: number) => {
          const out = new Uint8Array(n);
          let at = 0;
          for (const v of iov) {
            if (at >= n) break;
            const k = Math.min(v.len, n - at);
            out.set(mem.view(v.base, k), at);
            at += k;
          }
          return out;
        };
        return stack.send(h, Math.min(total, MOVE_MAX), take, flags, to);
      }
      case MISC.NET_RECV: {
        const iov = readIovecs(mem, mem.readU64Number(block + HcNet.buf), mem.readU64Number(block + HcNet.len));
        if (typeof iov === 'number') return iov;
        let total = 0;
        for (const v of iov) total += v.len;
        rings.takeBack(h); // the kernel asks only past the ring's bytes (flags, an empty ring): they come first
        const r = stack.recv(h, Math.min(total, MOVE_MAX), flags);
        if (typeof r === 'number') return r;
        let at = 0;
        for (const v of iov) {
          if (at >= r.bytes.length) break;
          const k = Math.min(v.len, r.bytes.length - at);
          mem.copyIn(v.base, r.bytes.subarray(at, at + k));
          at += k;
        }
        answerAddress(block, r.from);
        return r.bytes.length;
      }
      case MISC.NET_SHUTDOWN:
        return stack.shutdown(h, a0);
      case MISC.NET_CLOSE:
        rings.takeBack(h); // (bytes left unread make the close a reset, as on Linux)
        states.delete(h);
        rings.forget(h);
        stack.close(h);
        return 0;
      case MISC.NET_NAME: {
        const r = stack.name(h, a0 === 1);
        if (typeof r === 'number') return r;
        answerAddress(block, r);
        return 0;
      }
      case MISC.NET_SETOPT: {
        const at = mem.readU64Number(block + HcNet.buf);
        const len = Math.min(mem.readU64Number(block + HcNet.len), 4096);
        if (!mem.contains(at, len)) return -EFAULT;
        return stack.setopt(h, a0, a1, mem.copyOut(at, len));
      }
      case MISC.NET_GETOPT: {
        const at = mem.readU64Number(block + HcNet.buf);
        const room = mem.readU64Number(block + HcNet.len);
        const r = stack.getopt(h, a0, a1);
        if (typeof r === 'number') return r;
        const n = Math.min(room, r.length);
        if (n > 0) {
          if (!mem.contains(at, n)) return -EFAULT;
          mem.copyIn(at, r.subarray(0, n));
        }
        return n;
      }
      case MISC.NET_PENDING: {
        const r = stack.pending(h);
        return r < 0 ? r : r + rings.held(h);
      }
      default:
        return -EINVAL;
    }
  };

  /** Sends the deferred sends the block carries (HcNet.batch), in order; a malformed record ends the batch. */
  const sendBatch = (block: number) => {
    const len = mem.readU32(block + HcNet.batch_len);
    if (len === 0) return;
    const at = mem.readU64Number(block + HcNet.batch);
    if (len > MISC.NET_BATCH_SIZE || !mem.contains(at, len)) return;
    let offset = 0;
    while (offset + NetBatchEntry.SIZE <= len) {
      const h = mem.readU32(at + offset + NetBatchEntry.handle);
      const n = mem.readU32(at + offset + NetBatchEntry.len);
      const bytes = at + offset + NetBatchEntry.SIZE;
      if (n === 0 || n > len - offset - NetBatchEntry.SIZE) return;
      stack.sendDeferred(h, mem.view(bytes, n));
      const state = states.get(h);
      if (state !== undefined) mem.writeU32(state + NetState.tx_room, Math.min(stack.sendRoom(h), MISC.NET_BATCH_SIZE));
      offset += NetBatchEntry.SIZE + ((n + 7) & ~7);
    }
  };

  return {
    name: 'net',
    write(_offset, block) {
      if (!mem.contains(block, HcNet.SIZE)) return; // no block to answer in
      inCall = true;
      notify = false;
      let result: number;
      try {
        sendBatch(block);
        result = mem.readU32(block + HcNet.op) === MISC.NET_FLUSH ? 0 : run(block);
      } finally {
        inCall = false;
      }
      if (result === -EAGAIN) {
        // How long a blocking call may wait (the kernel's deadline): SO_RCVTIMEO, SO_SNDTIMEO;
        // and what it answers past that: EAGAIN, or EINPROGRESS for a TCP connect (as Linux).
        const op = mem.readU32(block + HcNet.op);
        const h = mem.readU32(block + HcNet.handle);
        const connect = op === MISC.NET_CONNECT;
        const waits = op === MISC.NET_RECV || op === MISC.NET_ACCEPT || op === MISC.NET_SEND || connect;
        mem.writeU64Number(block + HcNet.a1, waits ? stack.timeout(h, op === MISC.NET_RECV || op === MISC.NET_ACCEPT) : 0);
        const domain = connect ? stack.getopt(h, SOL_SOCKET, SO_DOMAIN) : undefined;
        const tcp = domain instanceof Uint8Array && domain[0] !== AF_UNIX;
        mem.writeU64Number(block + HcNet.a2, tcp ? EINPROGRESS : EAGAIN);
      }
      mem.writeI64(block + HcNet.ret, BigInt(result));
      mem.writeU32(block + HcNet.notify, notify ? 1 : 0);
    },
  };
}
