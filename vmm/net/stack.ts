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
import type { NetEvent, Publish } from '../../channel/net-messages.js';
import { AF_INET, AF_INET6, AF_UNIX, type NetStack, type Received, type SockAddr } from '../ports/net.js';
import { MISC } from '../generated/abi.js';
import { DirectLink } from './direct-link.js';
import { E } from './errno.js';
import { DNS_ALIAS, hostResolver, hostText, isLoopback } from './host-addresses.js';
import { HostLink, type HostSockets } from './host-link.js';
import { PortSpace } from './port-space.js';
import { POLLERR, POLLHUP, readiness } from './readiness.js';
import { IPPROTO_TCP, IPPROTO_UDP, optionOn, optionValue, SO_KEEPALIVE, SOL_SOCKET, storeOption, TCP_NODELAY, timeoutNs } from './socket-options.js';
import { newSocket, RECEIVE_MAX, SEND_WINDOW, SOCK_DGRAM, SOCK_STREAM, type Sock, takeReceived } from './socket.js';

const MSG_PEEK = 0x2;
const MSG_TRUNC = 0x20;
const MSG_WAITALL = 0x100;

/** Sockets at once (the guest's descriptor table, 1,024, usually ends it first). */
const SOCKETS_MAX = 8192;
/** Host connections that wait for room in a full accept queue; past them, a reset. */
const OVERFLOW_MAX = 4096;
const UDP_MAX = 65507;
/** The receiver acknowledges host data in steps of this many bytes (host-link flow control). */
const ACK_STEP = 32 * 1024;

export interface StackOptions {
  publish: Publish[];
  /** --net none: no host sockets (connect and sendto beyond the guest: ENETUNREACH). */
  outbound: boolean;
}

export class SocketTable implements NetStack {
  private readonly socks = new Map<number, Sock>();
  private readonly byHost = new Map<number, Sock>();
  private readonly byUdp = new Map<number, Sock>();
  private readonly ports = new PortSpace();
  private nextHandle = 1;
  private nextHostId = 2;
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
    const s = newSocket(this.nextHandle++, domain, type);
    this.socks.set(s.h, s);
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
    return this.ports.bind(s, addr);
  }

  listen(h: number, backlog: number): number {
    const s = this.socks.get(h);
    if (!s) return -E.EBADF;
    if (s.type !== SOCK_STREAM) return -E.EOPNOTSUPP;
    if (s.state !== 'idle' && s.state !== 'listening') return -E.EINVAL;
    const bound = this.ports.autobind(s);
    if (bound < 0) return bound;
    s.state = 'listening';
    s.backlog = backlog < 0 || backlog > 4096 ? 4096 : Math.max(backlog, 1);
    this.changed(h, false, false);
    return 0;
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
      const bound = this.ports.autobind(s);
      if (bound < 0) return bound;
      s.peer = addr;
      if (s.domain === AF_UNIX) {
        const target = this.ports.unixNamed(addr.path);
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
      const target = this.ports.unixNamed(addr.path);
      // (A path the RAM file system does not hold the kernel has answered ENOENT; a
      // socket file whose socket is closed, or an abstract name nobody holds: refused.)
      if (!target) return -E.ECONNREFUSED;
      if (target.state !== 'listening') return -E.ECONNREFUSED;
      return this.connectInside(s, target);
    }
    if (addr.port === 0) return -E.ECONNREFUSED;
    const inside = isLoopback(addr) ? this.ports.listenerFor(addr) : undefined;
    if (inside) return this.connectInside(s, inside);
    if (!this.options.outbound) return -E.ENETUNREACH;
    const bound = this.ports.autobind(s);
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
    const bound = this.ports.autobind(s);
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
    const bound = this.ports.autobind(s);
    if (bound < 0) return bound;
    const from = s.local as SockAddr;
    if (s.domain === AF_UNIX) {
      const dest = this.ports.unixNamed(target.path);
      if (!dest || dest.type !== SOCK_DGRAM) return dest ? -E.ECONNREFUSED : -E.ENOENT;
      return this.queueDatagram(dest, take(room), from);
    }
    const inside = isLoopback(target) ? this.ports.udpAt(target.port) : undefined;
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
    const out = takeReceived(s, n, peek);
    if (peek) return { bytes: out };
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
    this.ports.release(s);
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
    const stored = storeOption(s, level, name, value);
    if (stored < 0 || s.hostId === undefined) return stored;
    if (level === IPPROTO_TCP && name === TCP_NODELAY) this.hostLink().post({ op: 'nodelay', id: s.hostId, on: optionOn(value) });
    if (level === SOL_SOCKET && name === SO_KEEPALIVE) this.hostLink().post({ op: 'keepalive', id: s.hostId, on: optionOn(value) });
    return 0;
  }

  getopt(h: number, level: number, name: number): Uint8Array | number {
    const s = this.socks.get(h);
    if (!s) return -E.EBADF;
    return optionValue(s, level, name, () => this.changed(h, false, false));
  }

  quick(h: number): number {
    const s = this.socks.get(h);
    if (!s || s.type !== SOCK_STREAM) return 0;
    // recv answers -EAGAIN exactly when readiness() shows neither POLLIN nor POLLERR
    // (connected), accept exactly when it shows no POLLIN (listening).
    return s.state === 'connected' ? MISC.NET_QUICK_RECV : s.state === 'listening' ? MISC.NET_QUICK_ACCEPT : 0;
  }

  timeout(h: number, receiving: boolean): number {
    return timeoutNs(this.socks.get(h), receiving);
  }

  pending(h: number): number {
    const s = this.socks.get(h);
    if (!s) return -E.EBADF;
    return s.type === SOCK_DGRAM ? (s.dgrams[0]?.bytes.length ?? 0) : s.rxBytes;
  }

  readiness(h: number): number {
    const s = this.socks.get(h);
    return s ? readiness(s) : POLLERR | POLLHUP;
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
        const listener = this.ports.listenerFor({ family: AF_INET, address: '127.0.0.1', port: e.guestPort });
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
