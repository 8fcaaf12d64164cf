// The guest's sockets, on the emulation thread: the socket table behind the network
// device (vmm/ports/net.ts), which checks each call against a socket's state and
// dispatches it. The guest has a port space of its own (port-space.ts): a connection
// to a loopback address whose port a guest socket listens on stays inside the guest
// (a pair of in-memory sockets joined here), as do AF_UNIX sockets; every other
// connection goes out through a real host socket (host-connections.ts), and
// connections accepted on a --publish port come in to the guest listener. Every
// buffer is bounded (socket.ts): past RECEIVE_MAX or SEND_WINDOW a send answers
// -EAGAIN (the kernel then waits), so a peer that stops reading holds back the writer
// instead of growing memory.
import type { Publish } from '../../channel/net-messages.js';
import { MISC } from '../generated/abi.js';
import { AF_INET, AF_INET6, AF_UNIX, type NetStack, type Received, type SockAddr } from '../ports/net.js';
import { E } from './errno.js';
import { isLoopback } from './host-addresses.js';
import { HostConnections } from './host-connections.js';
import { PortSpace } from './port-space.js';
import { POLLERR, POLLHUP, readiness } from './readiness.js';
import { abortsOnClose, IPPROTO_TCP, IPPROTO_UDP, optionValue, storeOption, timeoutNs } from './socket-options.js';
import { RECEIVE_MAX, SEND_WINDOW, SOCK_DGRAM, SOCK_STREAM, type Sock, takeReceived } from './socket.js';
import { type ChangeListener, Sockets } from './sockets.js';

const MSG_PEEK = 0x2;
const MSG_TRUNC = 0x20;
const MSG_WAITALL = 0x100;
const UDP_MAX = 65507;

export interface StackOptions {
  publish: Publish[];
  /** --net none: no host sockets (connect and sendto beyond the guest: ENETUNREACH). */
  outbound: boolean;
}

export class SocketTable implements NetStack {
  private readonly sockets = new Sockets();
  /** Every open socket by its handle (the sockets' own map: the hot path looks here). */
  private readonly socks = this.sockets.byHandle;
  private readonly ports = new PortSpace();
  private readonly host: HostConnections;

  constructor(private readonly options: StackOptions) {
    this.host = new HostConnections(this.sockets, this.ports, options.publish);
  }

  /** Starts the host backend now when ports are published; the line why not, if one cannot be. */
  start(): string | undefined {
    return this.host.start();
  }

  /** Ends the host backend (the VM is over). */
  stop(): void {
    this.host.stop();
  }

  /** Takes the host's events; true if any arrived. */
  poll(): boolean {
    return this.host.poll();
  }

  /** Whether the host side can still wake the guest (published ports, host connections). */
  open(): boolean {
    return this.host.open();
  }

  wait(ms: number): void {
    this.host.wait(ms);
  }

  onChange(listener: ChangeListener): void {
    this.sockets.changed = listener;
  }

  private changed(h: number, input: boolean, output: boolean): void {
    this.sockets.changed(h, input, output);
  }

  // --- NetStack -----------------------------------------------------------------

  socket(domain: number, type: number, protocol: number): number {
    if (domain !== AF_INET && domain !== AF_INET6 && domain !== AF_UNIX) return -E.EAFNOSUPPORT;
    if (type !== SOCK_STREAM && type !== SOCK_DGRAM) return type & ~0xf ? -E.EINVAL : -E.ESOCKTNOSUPPORT;
    const expected = domain === AF_UNIX ? 0 : type === SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
    if (protocol !== 0 && protocol !== expected) return -E.EPROTONOSUPPORT;
    if (this.sockets.full()) return -E.ENOBUFS;
    return this.sockets.make(domain, type).h;
  }

  pair(domain: number, type: number): [number, number] | number {
    if (domain !== AF_UNIX) return domain === AF_INET || domain === AF_INET6 ? -E.EOPNOTSUPP : -E.EAFNOSUPPORT;
    if (type !== SOCK_STREAM && type !== SOCK_DGRAM) return -E.EINVAL;
    if (this.sockets.full(2)) return -E.ENOBUFS;
    const a = this.sockets.make(domain, type);
    const b = this.sockets.make(domain, type);
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
    this.host.accepted(next);
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
    return this.host.connect(s, addr, nonblock);
  }

  /** A connection to a guest listener: a pair of in-memory sockets, one waiting in its queue. */
  private connectInside(s: Sock, listener: Sock): number {
    if (listener.queue.length >= listener.backlog) return -E.EAGAIN;
    if (this.sockets.full()) return -E.ENOBUFS;
    const bound = this.ports.autobind(s);
    if (bound < 0) return bound;
    const local = s.local as SockAddr;
    if (local.address === '0.0.0.0' || local.address === '::') s.local = { ...local, address: local.family === AF_INET6 ? '::1' : '127.0.0.1' };
    const server = this.sockets.make(listener.domain, SOCK_STREAM);
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
      this.sockets.deliver(s.mate, bytes);
      if (s.mate.rxBytes >= RECEIVE_MAX) this.changed(h, false, false);
      return bytes.length;
    }
    return this.host.write(s, room, take);
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
      return this.sockets.queueDatagram(dest, take(room), from);
    }
    const inside = isLoopback(target) ? this.ports.udpAt(target.port) : undefined;
    if (inside) return this.sockets.queueDatagram(inside, take(room), from);
    if (!this.options.outbound) return -E.ENETUNREACH;
    return this.host.sendDatagram(s, target, room, take);
  }

  private sendToMate(s: Sock, room: number, take: (n: number) => Uint8Array): number {
    const mate = s.mate as Sock;
    if (s.peerGone) return -E.ECONNREFUSED;
    if (mate.dgramBytes + room > RECEIVE_MAX) return -E.EAGAIN;
    return this.sockets.queueDatagram(mate, take(room), s.local ?? { family: AF_UNIX, address: '', port: 0, path: '' });
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
    this.host.consumed(s, n);
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
      } else this.host.endWrite(s);
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
      // An abortive close (SO_LINGER on, timeout 0) of a TCP connection: the peer reads what
      // arrived, then ECONNRESET (AF_UNIX has no resets: the peer sees the end).
      if (s.domain !== AF_UNIX && (abortsOnClose(s) || s.rxBytes > 0)) mate.error = E.ECONNRESET;
      this.changed(mate.h, true, true);
    }
    this.host.closed(s);
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
    if (stored === 0) this.host.option(s, level, name, value);
    return stored;
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

  sendRoom(h: number): number {
    const s = this.socks.get(h);
    if (!s || s.type !== SOCK_STREAM || s.state !== 'connected' || s.hostId === undefined || s.shutWr || s.peerGone || s.error) return 0;
    return Math.max(0, SEND_WINDOW - s.txInFlight);
  }

  sendDeferred(h: number, bytes: Uint8Array): void {
    const s = this.socks.get(h);
    if (!s || s.type !== SOCK_STREAM || s.state !== 'connected' || s.hostId === undefined || s.shutWr || s.peerGone) return;
    this.host.write(s, bytes.length, (n) => bytes.slice(0, n), true);
  }

  ringable(h: number): boolean {
    const s = this.socks.get(h);
    return s !== undefined && s.type === SOCK_STREAM && s.state === 'connected' && s.hostId !== undefined && !s.shutRd;
  }

  takeForRing(h: number, n: number): Uint8Array {
    const s = this.socks.get(h);
    if (!s || s.type !== SOCK_STREAM || n > s.rxBytes) return new Uint8Array(0);
    const out = takeReceived(s, n, false);
    if (s.mate) this.changed(s.mate.h, false, true);
    return out;
  }

  ringConsumed(h: number, n: number): void {
    const s = this.socks.get(h);
    if (s) this.host.consumed(s, n);
  }

  unread(h: number, bytes: Uint8Array): void {
    const s = this.socks.get(h);
    if (!s || bytes.length === 0) return;
    if (s.rxOffset > 0) {
      s.rx[0] = s.rx[0].subarray(s.rxOffset);
      s.rxOffset = 0;
    }
    s.rx.unshift(bytes);
    s.rxBytes += bytes.length;
  }

  readiness(h: number): number {
    const s = this.socks.get(h);
    return s ? readiness(s) : POLLERR | POLLHUP;
  }
}
