// The guest's sockets, on the emulation thread: the socket table behind the network
// device (vmm/ports/net.ts). The guest has a port space of its own: a connection to
// a loopback address whose port a guest socket listens on stays inside the guest (a
// pair of in-memory sockets), as do AF_UNIX sockets; every other connection goes out
// through a real host socket that the host network thread owns (host-link.ts), and
// connections accepted on a --publish port come in to the guest listener. Every
// buffer is bounded: RECEIVE_MAX bytes waiting to be read per socket, SEND_WINDOW
// bytes handed to the host and not yet taken by its socket; past either a send
// answers -EAGAIN (the kernel then waits), so a peer that stops reading holds back
// the writer instead of growing memory.
import fs from 'node:fs';
import type { NetEvent, Publish } from '../../channel/net-messages.js';
import { AF_INET, AF_INET6, AF_UNIX, type NetStack, type Received, type SockAddr } from '../ports/net.js';
import { DirectLink } from './direct-link.js';
import { HostLink, type HostSockets } from './host-link.js';
import { MISC } from '../generated/abi.js';

const SOCK_STREAM = 1;
const SOCK_DGRAM = 2;
const SOL_SOCKET = 1;
const IPPROTO_IP = 0;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_IPV6 = 41;
const SO_REUSEADDR = 2;
const SO_TYPE = 3;
const SO_ERROR = 4;
const SO_SNDBUF = 7;
const SO_RCVBUF = 8;
const SO_KEEPALIVE = 9;
const SO_LINGER = 13;
const SO_REUSEPORT = 15;
const SO_PROTOCOL = 38;
const SO_DOMAIN = 39;
const SO_ACCEPTCONN = 30;
const SO_RCVTIMEO = 20;
const SO_SNDTIMEO = 21;
const TCP_NODELAY = 1;
const MSG_PEEK = 0x2;
const MSG_TRUNC = 0x20;
const MSG_WAITALL = 0x100;

const POLLIN = 0x001;
const POLLOUT = 0x004;
const POLLERR = 0x008;
const POLLHUP = 0x010;
const POLLRDNORM = 0x040;
const POLLWRNORM = 0x100;
const POLLRDHUP = 0x2000;

const E = {
  EBADF: 9,
  EAGAIN: 11,
  ENOENT: 2,
  EINVAL: 22,
  EPIPE: 32,
  EDESTADDRREQ: 89,
  EMSGSIZE: 90,
  ENOPROTOOPT: 92,
  EPROTONOSUPPORT: 93,
  ESOCKTNOSUPPORT: 94,
  EOPNOTSUPP: 95,
  EAFNOSUPPORT: 97,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENETUNREACH: 101,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  ENOBUFS: 105,
  EISCONN: 106,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTUNREACH: 113,
  EALREADY: 114,
  EINPROGRESS: 115,
} as const;

/** Bytes a socket holds for its reader before a sender must wait. */
export const RECEIVE_MAX = 256 * 1024;
/** Bytes a socket hands the host and the host socket has not yet taken. */
export const SEND_WINDOW = 256 * 1024;
/** Sockets at once (the guest's descriptor table, 1,024, usually ends it first). */
const SOCKETS_MAX = 8192;
/** The guest's ephemeral ports (Linux's default range). */
const EPHEMERAL_LOW = 32768;
const EPHEMERAL_HIGH = 60999;
const DEFAULT_BUFFER = 212992;
/** Host connections that wait for room in a full accept queue; past them, a reset. */
const OVERFLOW_MAX = 4096;
const UDP_MAX = 65507;
/** The receiver acknowledges host data in steps of this many bytes (host-link flow control). */
const ACK_STEP = 32 * 1024;

type State = 'idle' | 'listening' | 'connecting' | 'connected' | 'failed';

interface Datagram {
  bytes: Uint8Array;
  from: SockAddr;
}

interface Sock {
  h: number;
  domain: number;
  type: number;
  state: State;
  local?: SockAddr;
  /** An outbound connection's host socket address, which its peer sees (getsockname answers it). */
  hostLocal?: SockAddr;
  peer?: SockAddr;
  /** Bytes waiting to be read (stream), the first chunk from rxOffset. */
  rx: Uint8Array[];
  rxOffset: number;
  rxBytes: number;
  rxEof: boolean;
  /** Datagrams waiting (SOCK_DGRAM). */
  dgrams: Datagram[];
  dgramBytes: number;
  /** The other end is gone: a send fails with EPIPE. */
  peerGone: boolean;
  shutRd: boolean;
  shutWr: boolean;
  /** Pending SO_ERROR (positive errno), 0 for none. */
  error: number;
  /** A blocking connect waits for its outcome. */
  connectWaiter: boolean;
  /** The in-guest other end (stream pairs, socketpair). */
  mate?: Sock;
  /** The host connection's id (host-link.ts). */
  hostId?: number;
  udpId?: number;
  txInFlight: number;
  unacked: number;
  queue: Sock[];
  backlog: number;
  /** Host connections past the backlog, waiting for room in the queue (as SYNs wait on Linux). */
  overflow: Sock[];
  opts: Map<string, Uint8Array>;
  boundPort?: number;
  unixPath?: string;
}

const isLoopback = (a: SockAddr) =>
  a.family === AF_INET
    ? a.address.startsWith('127.') || a.address === '0.0.0.0'
    : /^(0:){7}1$|^(0:){7}0$|^::1?$/.test(a.address) || a.address.startsWith('0:0:0:0:0:ffff:7f');

/** The guest's name server (its /etc/resolv.conf): queries to it go to the host's first one. */
const DNS_ALIAS = '10.0.2.3';
let resolverCache: { host: string; family: 4 | 6 } | undefined;

/** The host's first name server (its /etc/resolv.conf), loopback if it names none. */
function hostResolver(): { host: string; family: 4 | 6 } {
  if (!resolverCache) {
    let host = '127.0.0.1';
    try {
      const m = /^\s*nameserver\s+(\S+)/m.exec(fs.readFileSync('/etc/resolv.conf', 'latin1'));
      if (m) host = m[1];
    } catch {
      // no resolv.conf: loopback
    }
    resolverCache = { host, family: host.includes(':') ? 6 : 4 };
  }
  return resolverCache;
}

/** Node's address text for a SockAddr (IPv4-mapped IPv6 as IPv4). */
function hostText(a: SockAddr): { host: string; family: 4 | 6 } {
  if (a.family === AF_INET) return { host: a.address, family: 4 };
  const w = a.address.split(':').map((x) => Number.parseInt(x, 16));
  if (w.length === 8 && w.slice(0, 5).every((x) => x === 0) && w[5] === 0xffff)
    return { host: `${w[6] >> 8}.${w[6] & 255}.${w[7] >> 8}.${w[7] & 255}`, family: 4 };
  return { host: a.address, family: 6 };
}

const intValue = (v: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v, true);
  return b;
};

export interface StackOptions {
  publish: Publish[];
  /** --net none: no host sockets (connect and sendto beyond the guest: ENETUNREACH). */
  outbound: boolean;
}

export class SocketTable implements NetStack {
  private readonly socks = new Map<number, Sock>();
  private readonly byHost = new Map<number, Sock>();
  private readonly byUdp = new Map<number, Sock>();
  private readonly tcpPorts = new Map<number, Sock[]>();
  private readonly udpPorts = new Map<number, Sock>();
  private readonly unixNames = new Map<string, Sock>();
  private nextHandle = 1;
  private nextHostId = 2;
  private nextEphemeral = EPHEMERAL_LOW;
  private changed: (h: number, input: boolean, output: boolean) => void = () => {};
  private link: HostSockets | undefined;

  constructor(private readonly options: StackOptions) {}

  /** Starts the host network thread now when ports are published; the line why not, if one cannot be. */
  start(): string | undefined {
    if (this.options.publish.length === 0) return undefined;
    return this.hostLink().awaitReady();
  }

  /** Ends the host network thread (the VM is over). */
  stop(): void {
    this.link?.close();
  }

  /** Takes the host's events; true if any arrived. */
  poll(): boolean {
    return this.link?.poll((e) => this.onHostEvent(e)) ?? false;
  }

  /** Whether the host side can still wake the guest (published ports, host connections). */
  open(): boolean {
    return this.link !== undefined && (this.options.publish.length > 0 || this.byHost.size > 0 || this.byUdp.size > 0);
  }

  wait(ms: number): void {
    this.link?.wait(ms);
  }

  onChange(listener: (h: number, input: boolean, output: boolean) => void): void {
    this.changed = listener;
  }

  private hostLink(): HostSockets {
    // The host's sockets on this thread through the C library (direct-link.ts), or with
    // UNIKV_NET=thread on a network thread of their own (docs/networking.md compares them).
    this.link ??= process.env.UNIKV_NET === 'thread' ? new HostLink(this.options.publish) : new DirectLink(this.options.publish);
    return this.link;
  }

  private make(domain: number, type: number): Sock {
    const h = this.nextHandle++;
    const s: Sock = {
      h,
      domain,
      type,
      state: 'idle',
      rx: [],
      rxOffset: 0,
      rxBytes: 0,
      rxEof: false,
      dgrams: [],
      dgramBytes: 0,
      peerGone: false,
      shutRd: false,
      shutWr: false,
      error: 0,
      connectWaiter: false,
      txInFlight: 0,
      unacked: 0,
      queue: [],
      backlog: 0,
      overflow: [],
      opts: new Map(),
    };
    this.socks.set(h, s);
    return s;
  }

  // --- NetStack -----------------------------------------------------------------

  socket(domain: number, type: number, protocol: number): number {
    if (domain !== AF_INET && domain !== AF_INET6 && domain !== AF_UNIX) return -E.EAFNOSUPPORT;
    if (type !== SOCK_STREAM && type !== SOCK_DGRAM) return type & ~0xf ? -E.EINVAL : -E.ESOCKTNOSUPPORT;
    const expected = domain === AF_UNIX ? 0 : type === SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
    if (protocol !== 0 && protocol !== expected) return -E.EPROTONOSUPPORT;
    if (this.socks.size >= SOCKETS_MAX) return -E.ENOBUFS;
    return this.make(domain, type).h;
  }

  pair(domain: number, type: number): [number, number] | number {
    if (domain !== AF_UNIX) return domain === AF_INET || domain === AF_INET6 ? -E.EOPNOTSUPP : -E.EAFNOSUPPORT;
    if (type !== SOCK_STREAM && type !== SOCK_DGRAM) return -E.EINVAL;
    if (this.socks.size + 2 > SOCKETS_MAX) return -E.ENOBUFS;
    const a = this.make(domain, type);
    const b = this.make(domain, type);
    this.join(a, b);
    return [a.h, b.h];
  }

  private join(a: Sock, b: Sock): void {
    a.mate = b;
    b.mate = a;
    a.state = 'connected';
    b.state = 'connected';
    a.peer = b.local ?? { family: b.domain, address: '', port: 0, path: '' };
    b.peer = a.local ?? { family: a.domain, address: '', port: 0, path: '' };
  }

  bind(h: number, addr: SockAddr): number {
    const s = this.socks.get(h);
    if (!s) return -E.EBADF;
    if (addr.family !== s.domain && !(s.domain === AF_INET6 && addr.family === AF_INET)) return -E.EINVAL;
    if (s.local) return -E.EINVAL;
    if (s.domain === AF_UNIX) {
      const name = addr.path ?? '';
      if (name === '') return this.autobindUnix(s);
      if (this.unixNames.has(name)) return -E.EADDRINUSE;
      this.unixNames.set(name, s);
      s.unixPath = name;
      s.local = { family: AF_UNIX, address: '', port: 0, path: name };
      return 0;
    }
    const port = addr.port === 0 ? this.ephemeral(s.type) : addr.port;
    if (port < 0) return -E.EADDRINUSE;
    if (!this.portFree(s, port)) return -E.EADDRINUSE;
    this.claim(s, port, addr.address);
    return 0;
  }

  private autobindUnix(s: Sock): number {
    const name = `\0${(s.h + 0x10000).toString(16).padStart(5, '0')}`;
    this.unixNames.set(name, s);
    s.unixPath = name;
    s.local = { family: AF_UNIX, address: '', port: 0, path: name };
    return 0;
  }

  private reuses(s: Sock): boolean {
    const v = s.opts.get(`${SOL_SOCKET}:${SO_REUSEPORT}`);
    return v?.some((b) => b !== 0) ?? false;
  }

  private portFree(s: Sock, port: number): boolean {
    if (s.type === SOCK_DGRAM) return !this.udpPorts.has(port);
    const holders = this.tcpPorts.get(port) ?? [];
    return holders.every((o) => this.reuses(o) && this.reuses(s));
  }

  private ephemeral(type: number): number {
    for (let i = 0; i <= EPHEMERAL_HIGH - EPHEMERAL_LOW; i++) {
      const port = this.nextEphemeral;
      this.nextEphemeral = port === EPHEMERAL_HIGH ? EPHEMERAL_LOW : port + 1;
      if (type === SOCK_DGRAM ? !this.udpPorts.has(port) : !this.tcpPorts.has(port)) return port;
    }
    return -1;
  }

  private claim(s: Sock, port: number, address?: string): void {
    s.boundPort = port;
    const any = s.domain === AF_INET6 ? '::' : '0.0.0.0';
    s.local = { family: s.domain, address: address ?? any, port };
    if (s.type === SOCK_DGRAM) this.udpPorts.set(port, s);
    else this.tcpPorts.set(port, [...(this.tcpPorts.get(port) ?? []), s]);
  }

  private autobind(s: Sock): number {
    if (s.local) return 0;
    if (s.domain === AF_UNIX) return this.autobindUnix(s);
    const port = this.ephemeral(s.type);
    if (port < 0) return -E.EADDRNOTAVAIL;
    this.claim(s, port);
    return 0;
  }

  private release(s: Sock): void {
    if (s.unixPath !== undefined && this.unixNames.get(s.unixPath) === s) this.unixNames.delete(s.unixPath);
    if (s.boundPort === undefined) return;
    if (s.type === SOCK_DGRAM) {
      if (this.udpPorts.get(s.boundPort) === s) this.udpPorts.delete(s.boundPort);
      return;
    }
    const rest = (this.tcpPorts.get(s.boundPort) ?? []).filter((o) => o !== s);
    if (rest.length > 0) this.tcpPorts.set(s.boundPort, rest);
    else this.tcpPorts.delete(s.boundPort);
  }

  listen(h: number, backlog: number): number {
    const s = this.socks.get(h);
    if (!s) return -E.EBADF;
    if (s.type !== SOCK_STREAM) return -E.EOPNOTSUPP;
    if (s.state !== 'idle' && s.state !== 'listening') return -E.EINVAL;
    const bound = this.autobind(s);
    if (bound < 0) return bound;
    s.state = 'listening';
    s.backlog = backlog < 0 || backlog > 4096 ? 4096 : Math.max(backlog, 1);
    this.changed(h, false, false);
    return 0;
  }

  /** The guest listener for an incoming connection on `port` (TCP) or a path (AF_UNIX). */
  private listenerFor(addr: SockAddr): Sock | undefined {
    if (addr.family === AF_UNIX) {
      const s = this.unixNames.get(addr.path ?? '');
      return s && s.state === 'listening' ? s : undefined;
    }
    return (this.tcpPorts.get(addr.port) ?? []).find((o) => o.state === 'listening');
  }

  accept(h: number): number {
    const s = this.socks.get(h);
    if (!s) return -E.EBADF;
    if (s.state !== 'listening') return -E.EINVAL;
    const next = s.queue.shift();
    if (!next) return -E.EAGAIN;
    if (next.hostId !== undefined) this.hostLink().post({ op: 'ack', id: next.hostId, n: 0 }); // it may read now
    const waiting = s.overflow.shift();
    if (waiting) s.queue.push(waiting);
    this.changed(h, false, false);
    return next.h;
  }

  connect(h: number, addr: SockAddr, nonblock: boolean): number {
    const s = this.socks.get(h);
    if (!s) return -E.EBADF;
    if (s.type === SOCK_DGRAM) {
      if (addr.family !== s.domain && !(s.domain === AF_INET6 && addr.family === AF_INET)) return -E.EAFNOSUPPORT;
      const bound = this.autobind(s);
      if (bound < 0) return bound;
      s.peer = addr;
      if (s.domain === AF_UNIX) {
        const target = this.unixNames.get(addr.path ?? '');
        if (!target || target.type !== SOCK_DGRAM) return target ? -E.ECONNREFUSED : -E.ENOENT;
      }
      return 0;
    }
    switch (s.state) {
      case 'connecting':
        return nonblock ? -E.EALREADY : -E.EAGAIN;
      case 'connected':
        if (s.connectWaiter) {
          s.connectWaiter = false;
          return 0;
        }
        return -E.EISCONN;
      case 'failed': {
        if (!s.connectWaiter && s.error === 0) return -E.ECONNABORTED;
        s.connectWaiter = false;
        const e = s.error || E.ECONNREFUSED;
        s.error = 0;
        s.state = 'idle';
        return -e;
      }
      case 'listening':
        return -E.EINVAL;
      case 'idle':
        break;
    }
    if (addr.family !== s.domain && !(s.domain === AF_INET6 && addr.family === AF_INET)) return -E.EAFNOSUPPORT;
    if (s.domain === AF_UNIX) {
      const target = this.unixNames.get(addr.path ?? '');
      // (A path the RAM file system does not hold the kernel has answered ENOENT; a
      // socket file whose socket is closed, or an abstract name nobody holds: refused.)
      if (!target) return -E.ECONNREFUSED;
      if (target.state !== 'listening') return -E.ECONNREFUSED;
      return this.connectInside(s, target);
    }
    if (addr.port === 0) return -E.ECONNREFUSED;
    const inside = isLoopback(addr) ? this.listenerFor(addr) : undefined;
    if (inside) return this.connectInside(s, inside);
    if (!this.options.outbound) return -E.ENETUNREACH;
    const bound = this.autobind(s);
    if (bound < 0) return bound;
    const id = this.nextHostId;
    this.nextHostId += 2;
    s.hostId = id;
    this.byHost.set(id, s);
    s.state = 'connecting';
    s.peer = addr;
    s.connectWaiter = !nonblock;
    const { host, family } = hostText(addr);
    this.hostLink().post({ op: 'connect', id, host, port: addr.port, family });
    this.changed(h, false, false);
    return nonblock ? -E.EINPROGRESS : -E.EAGAIN;
  }

  /** A connection to a guest listener: a pair of in-memory sockets, one waiting in its queue. */
  private connectInside(s: Sock, listener: Sock): number {
    if (listener.queue.length >= listener.backlog) return -E.EAGAIN;
    if (this.socks.size >= SOCKETS_MAX) return -E.ENOBUFS;
    const bound = this.autobind(s);
    if (bound < 0) return bound;
    const local = s.local as SockAddr;
    if (local.address === '0.0.0.0' || local.address === '::') s.local = { ...local, address: local.family === AF_INET6 ? '::1' : '127.0.0.1' };
    const server = this.make(listener.domain, SOCK_STREAM);
    server.local = listener.local;
    this.join(s, server);
    server.peer = s.local;
    s.peer = listener.local;
    listener.queue.push(server);
    this.changed(listener.h, true, false);
    this.changed(s.h, false, true);
    return 0;
  }

  send(h: number, room: number, take: (n: number) => Uint8Array, flags: number, to: SockAddr | undefined): number {
    const s = this.socks.get(h);
    if (!s) return -E.EBADF;
    if (s.type === SOCK_DGRAM) return this.sendDatagram(s, room, take, to);
    if (s.state !== 'connected') {
      if (s.error) {
        const e = s.error;
        s.error = 0;
        return -e;
      }
      return s.state === 'connecting' ? -E.EAGAIN : -E.ENOTCONN;
    }
    if (s.shutWr || s.peerGone) return -E.EPIPE;
    void flags;
    if (room === 0) return 0;
    if (s.mate) {
      const space = RECEIVE_MAX - s.mate.rxBytes;
      if (space <= 0) return -E.EAGAIN;
      const bytes = take(Math.min(space, room));
      this.deliver(s.mate, bytes);
      if (s.mate.rxBytes >= RECEIVE_MAX) this.changed(h, false, false);
      return bytes.length;
    }
    if (s.hostId === undefined) return -E.ENOTCONN;
    const space = SEND_WINDOW - s.txInFlight;
    if (space <= 0) return -E.EAGAIN;
    const n = Math.min(space, room);
    const bytes = take(n);
    s.txInFlight += n;
    this.hostLink().post({ op: 'write', id: s.hostId, bytes }, [bytes.buffer as ArrayBuffer]); // (bytes is detached now)
    if (s.txInFlight >= SEND_WINDOW) this.changed(h, false, false);
    return n;
  }

  private deliver(s: Sock, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    s.rx.push(bytes);
    s.rxBytes += bytes.length;
    this.changed(s.h, true, false);
  }

  private sendDatagram(s: Sock, room: number, take: (n: number) => Uint8Array, to: SockAddr | undefined): number {
    if (s.mate && !to) return this.sendToMate(s, room, take);
    const target = to ?? s.peer;
    if (!target) return -E.EDESTADDRREQ;
    if (room > UDP_MAX) return -E.EMSGSIZE;
    const bound = this.autobind(s);
    if (bound < 0) return bound;
    const from = s.local as SockAddr;
    if (s.domain === AF_UNIX) {
      const dest = this.unixNames.get(target.path ?? '');
      if (!dest || dest.type !== SOCK_DGRAM) return dest ? -E.ECONNREFUSED : -E.ENOENT;
      return this.queueDatagram(dest, take(room), from);
    }
    const inside = isLoopback(target) ? this.udpPorts.get(target.port) : undefined;
    if (inside) return this.queueDatagram(inside, take(room), from);
    if (!this.options.outbound) return -E.ENETUNREACH;
    const dns = target.port === 53 && target.address === DNS_ALIAS;
    const { host, family } = dns ? hostResolver() : hostText(target);
    if (s.udpId === undefined) {
      s.udpId = this.nextHostId;
      this.nextHostId += 2;
      this.byUdp.set(s.udpId, s);
      this.hostLink().post({ op: 'udp-open', id: s.udpId, family: s.domain === AF_INET6 ? 6 : 4 });
    }
    const bytes = take(room);
    const to6 = s.domain === AF_INET6 && family === 4 ? `::ffff:${host}` : host;
    this.hostLink().post({ op: 'udp-send', id: s.udpId, bytes, host: to6, port: target.port }, [bytes.buffer as ArrayBuffer]);
    return room;
  }

  private sendToMate(s: Sock, room: number, take: (n: number) => Uint8Array): number {
    const mate = s.mate as Sock;
    if (s.peerGone) return -E.ECONNREFUSED;
    if (mate.dgramBytes + room > RECEIVE_MAX) return -E.EAGAIN;
    return this.queueDatagram(mate, take(room), s.local ?? { family: AF_UNIX, address: '', port: 0, path: '' });
  }

  /** A datagram for a guest socket; dropped (as UDP may) when its queue is full, unless from a socketpair mate. */
  private queueDatagram(dest: Sock, bytes: Uint8Array, from: SockAddr): number {
    if (dest.dgramBytes + bytes.length > RECEIVE_MAX) return dest.domain === AF_UNIX ? -E.EAGAIN : bytes.length;
    dest.dgrams.push({ bytes, from });
    dest.dgramBytes += bytes.length;
    this.changed(dest.h, true, false);
    return bytes.length;
  }

  recv(h: number, room: number, flags: number): Received | number {
    const s = this.socks.get(h);
    if (!s) return -E.EBADF;
    const peek = (flags & MSG_PEEK) !== 0;
    if (s.type === SOCK_DGRAM) {
      const d = s.dgrams[0];
      if (!d) return s.shutRd ? { bytes: new Uint8Array(0) } : -E.EAGAIN;
      if (!peek) {
        s.dgrams.shift();
        s.dgramBytes -= d.bytes.length;
        if (s.mate) this.changed(s.mate.h, false, true);
        this.changed(h, false, false);
      }
      const n = (flags & MSG_TRUNC) !== 0 ? d.bytes.length : Math.min(room, d.bytes.length);
      return { bytes: d.bytes.subarray(0, Math.min(n, room)), from: d.from };
    }
    if (s.state === 'listening' || s.state === 'idle') return -E.ENOTCONN;
    if (s.rxBytes === 0) {
      if (s.error) {
        const e = s.error;
        s.error = 0;
        this.changed(h, false, false);
        return -e;
      }
      if (s.rxEof || s.shutRd || s.state === 'failed') return { bytes: new Uint8Array(0) };
      return -E.EAGAIN;
    }
    if (room === 0) return { bytes: new Uint8Array(0) };
    // MSG_WAITALL on a blocking socket: wait for the whole request, when it can fit.
    const waitAll = (flags & MSG_WAITALL) !== 0 && (flags & MISC.NET_NONBLOCK) === 0 && !peek;
    if (waitAll && s.rxBytes < room && room <= RECEIVE_MAX && !s.rxEof && !s.shutRd && s.state === 'connected') return -E.EAGAIN;
    const n = Math.min(room, s.rxBytes);
    // A whole chunk taken from its start (an echo's message) is handed over as it is.
    const whole = !peek && s.rxOffset === 0 && s.rx[0].length === n;
    const out = whole ? s.rx[0] : new Uint8Array(n);
    let at = whole ? n : 0;
    let index = whole ? 1 : 0;
    let offset = s.rxOffset;
    while (at < n) {
      const chunk = s.rx[index];
      const k = Math.min(chunk.length - offset, n - at);
      out.set(chunk.subarray(offset, offset + k), at);
      at += k;
      offset += k;
      if (offset === chunk.length) {
        index++;
        offset = 0;
      }
    }
    if (peek) return { bytes: out };
    s.rx.splice(0, index);
    s.rxOffset = offset;
    s.rxBytes -= n;
    if (s.mate) this.changed(s.mate.h, false, true);
    if (s.hostId !== undefined) {
      s.unacked += n;
      // In steps: the host thread resumes reading below half its window, which the
      // bytes left unacknowledged here (under one step) never keep it above.
      if (s.unacked >= ACK_STEP) {
        this.hostLink().post({ op: 'ack', id: s.hostId, n: s.unacked });
        s.unacked = 0;
      }
    }
    this.changed(h, false, false);
    return { bytes: out };
  }

  shutdown(h: number, how: number): number {
    const s = this.socks.get(h);
    if (!s) return -E.EBADF;
    if (how < 0 || how > 2) return -E.EINVAL;
    if (s.state !== 'connected' && s.type === SOCK_STREAM) return -E.ENOTCONN;
    if (how !== 1) s.shutRd = true;
    if (how !== 0 && !s.shutWr) {
      s.shutWr = true;
      if (s.mate) {
        s.mate.rxEof = true;
        this.changed(s.mate.h, true, false);
      } else if (s.hostId !== undefined) this.hostLink().post({ op: 'end', id: s.hostId });
    }
    this.changed(h, true, true);
    return 0;
  }

  close(h: number): void {
    const s = this.socks.get(h);
    if (!s) return;
    this.socks.delete(h);
    this.release(s);
    for (const waiting of [...s.queue, ...s.overflow]) this.close(waiting.h);
    s.queue = [];
    s.overflow = [];
    if (s.mate) {
      const mate = s.mate;
      mate.mate = undefined;
      mate.rxEof = true;
      mate.peerGone = true;
      this.changed(mate.h, true, true);
    }
    if (s.hostId !== undefined) {
      this.byHost.delete(s.hostId);
      this.link?.post({ op: 'close', id: s.hostId, reset: s.rxBytes > 0 });
    }
    if (s.udpId !== undefined) {
      this.byUdp.delete(s.udpId);
      this.link?.post({ op: 'udp-close', id: s.udpId });
    }
  }

  name(h: number, peer: boolean): SockAddr | number {
    const s = this.socks.get(h);
    if (!s) return -E.EBADF;
    if (peer) return s.peer && (s.state === 'connected' || s.type === SOCK_DGRAM) ? s.peer : -E.ENOTCONN;
    if (s.hostLocal) return s.hostLocal;
    if (s.local) return s.local;
    if (s.domain === AF_UNIX) return { family: AF_UNIX, address: '', port: 0, path: '' };
    return { family: s.domain, address: s.domain === AF_INET6 ? '::' : '0.0.0.0', port: 0 };
  }

  setopt(h: number, level: number, name: number, value: Uint8Array): number {
    const s = this.socks.get(h);
    if (!s) return -E.EBADF;
    if (level !== SOL_SOCKET && level !== IPPROTO_TCP && level !== IPPROTO_IP && level !== IPPROTO_IPV6 && level !== IPPROTO_UDP) return -E.ENOPROTOOPT;
    if ((level === SOL_SOCKET || level === IPPROTO_TCP) && name !== SO_LINGER && value.length < 4) return -E.EINVAL;
    s.opts.set(`${level}:${name}`, value.slice());
    const on = value.length >= 4 && new DataView(value.buffer, value.byteOffset, 4).getInt32(0, true) !== 0;
    if (s.hostId !== undefined && level === IPPROTO_TCP && name === TCP_NODELAY) this.hostLink().post({ op: 'nodelay', id: s.hostId, on });
    if (s.hostId !== undefined && level === SOL_SOCKET && name === SO_KEEPALIVE) this.hostLink().post({ op: 'keepalive', id: s.hostId, on });
    return 0;
  }

  getopt(h: number, level: number, name: number): Uint8Array | number {
    const s = this.socks.get(h);
    if (!s) return -E.EBADF;
    if (level === SOL_SOCKET) {
      switch (name) {
        case SO_TYPE:
          return intValue(s.type);
        case SO_ERROR: {
          const e = s.error;
          s.error = 0;
          if (e) this.changed(h, false, false);
          return intValue(e);
        }
        case SO_ACCEPTCONN:
          return intValue(s.state === 'listening' ? 1 : 0);
        case SO_DOMAIN:
          return intValue(s.domain);
        case SO_PROTOCOL:
          return intValue(s.domain === AF_UNIX ? 0 : s.type === SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP);
        case SO_RCVBUF:
        case SO_SNDBUF: {
          const set = s.opts.get(`${level}:${name}`);
          return set ? intValue(Math.max(new DataView(set.buffer, set.byteOffset, 4).getInt32(0, true) * 2, 4608)) : intValue(DEFAULT_BUFFER);
        }
        case SO_LINGER:
          return s.opts.get(`${level}:${name}`) ?? new Uint8Array(8);
        case SO_REUSEADDR:
        case SO_KEEPALIVE:
        case SO_REUSEPORT:
          break;
      }
    } else if (level !== IPPROTO_TCP && level !== IPPROTO_IP && level !== IPPROTO_IPV6 && level !== IPPROTO_UDP) return -E.ENOPROTOOPT;
    return s.opts.get(`${level}:${name}`) ?? intValue(0);
  }

  quick(h: number): number {
    const s = this.socks.get(h);
    if (!s || s.type !== SOCK_STREAM) return 0;
    // recv answers -EAGAIN exactly when readiness() shows neither POLLIN nor POLLERR
    // (connected), accept exactly when it shows no POLLIN (listening).
    return s.state === 'connected' ? MISC.NET_QUICK_RECV : s.state === 'listening' ? MISC.NET_QUICK_ACCEPT : 0;
  }

  timeout(h: number, receiving: boolean): number {
    const v = this.socks.get(h)?.opts.get(`${SOL_SOCKET}:${receiving ? SO_RCVTIMEO : SO_SNDTIMEO}`);
    if (!v || v.length < 16) return 0;
    const dv = new DataView(v.buffer, v.byteOffset, 16);
    const ns = Number(dv.getBigInt64(0, true)) * 1e9 + Number(dv.getBigInt64(8, true)) * 1e3;
    return Number.isFinite(ns) && ns > 0 ? Math.min(ns, 2 ** 53 - 1) : 0;
  }

  pending(h: number): number {
    const s = this.socks.get(h);
    if (!s) return -E.EBADF;
    return s.type === SOCK_DGRAM ? (s.dgrams[0]?.bytes.length ?? 0) : s.rxBytes;
  }

  readiness(h: number): number {
    const s = this.socks.get(h);
    if (!s) return POLLERR | POLLHUP;
    let bits = s.error ? POLLERR : 0;
    if (s.type === SOCK_DGRAM) {
      if (s.dgrams.length > 0) bits |= POLLIN | POLLRDNORM;
      if (!s.mate || s.mate.dgramBytes < RECEIVE_MAX) bits |= POLLOUT | POLLWRNORM;
      return bits;
    }
    switch (s.state) {
      case 'listening':
        return bits | (s.queue.length > 0 ? POLLIN | POLLRDNORM : 0);
      case 'idle':
        return bits | POLLOUT | POLLWRNORM | POLLHUP;
      case 'connecting':
        return bits;
      case 'failed':
        return bits | POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM | POLLHUP | POLLERR;
      case 'connected':
        break;
    }
    if (s.rxBytes > 0) bits |= POLLIN | POLLRDNORM;
    if (s.rxEof || s.shutRd) bits |= POLLIN | POLLRDNORM | POLLRDHUP;
    const writable = s.shutWr || s.peerGone ? true : s.mate ? s.mate.rxBytes < RECEIVE_MAX : s.txInFlight < SEND_WINDOW;
    if (writable) bits |= POLLOUT | POLLWRNORM;
    if ((s.rxEof || s.shutRd) && (s.shutWr || s.peerGone)) bits |= POLLHUP;
    return bits;
  }

  // --- the host's events ------------------------------------------------------------

  private onHostEvent(e: NetEvent): void {
    switch (e.ev) {
      case 'connected': {
        const s = this.byHost.get(e.id);
        if (!s) return;
        s.state = 'connected';
        if (e.localPort > 0 && e.localAddress) s.hostLocal = { family: s.domain, address: e.localAddress, port: e.localPort };
        this.changed(s.h, false, true);
        return;
      }
      case 'incoming': {
        const listener = this.listenerFor({ family: AF_INET, address: '127.0.0.1', port: e.guestPort });
        if (!listener || listener.overflow.length >= OVERFLOW_MAX || this.socks.size >= SOCKETS_MAX) {
          this.hostLink().post({ op: 'close', id: e.id, reset: true });
          return;
        }
        const s = this.make(listener.domain, SOCK_STREAM);
        s.state = 'connected';
        s.hostId = e.id;
        this.byHost.set(e.id, s);
        s.local = listener.local;
        const mapped = listener.domain === AF_INET6 && e.family === 4 ? `::ffff:${e.remoteAddress}` : e.remoteAddress;
        s.peer = { family: listener.domain, address: listener.domain === AF_INET && e.family === 6 ? '127.0.0.1' : mapped, port: e.remotePort };
        if (listener.queue.length < listener.backlog) listener.queue.push(s);
        else listener.overflow.push(s);
        this.changed(listener.h, true, false);
        return;
      }
      case 'data': {
        const s = this.byHost.get(e.id);
        if (s) this.deliver(s, e.bytes);
        return;
      }
      case 'end': {
        const s = this.byHost.get(e.id);
        if (!s) return;
        s.rxEof = true;
        this.changed(s.h, true, false);
        return;
      }
      case 'written': {
        const s = this.byHost.get(e.id);
        if (!s) return;
        s.txInFlight -= e.n;
        this.changed(s.h, false, true);
        return;
      }
      case 'closed': {
        const s = this.byHost.get(e.id);
        if (!s) return;
        this.byHost.delete(e.id);
        const code = e.error ? (E[e.error as keyof typeof E] ?? E.ECONNRESET) : 0;
        if (s.state === 'connecting') {
          s.state = 'failed';
          s.error = code || E.ECONNREFUSED;
        } else {
          s.rxEof = true;
          s.peerGone = true;
          if (code) s.error = code;
        }
        s.hostId = undefined;
        s.txInFlight = 0;
        this.changed(s.h, true, true);
        return;
      }
      case 'udp-data': {
        const s = this.byUdp.get(e.id);
        if (!s) return;
        const resolver = hostResolver();
        const address = e.port === 53 && e.address === resolver.host ? DNS_ALIAS : e.address;
        const from: SockAddr = { family: s.domain, address: s.domain === AF_INET6 && e.family === 4 ? `::ffff:${address}` : address, port: e.port };
        this.queueDatagram(s, e.bytes, from);
        return;
      }
      case 'ready':
      case 'refused':
      case 'drained':
        return;
    }
  }
}
