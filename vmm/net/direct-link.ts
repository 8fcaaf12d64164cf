// The host's sockets on the emulation thread itself, through the C library (koffi):
// the default network backend (UNIKV_NET=thread chooses the network thread, proxy/net/
// thread.ts, instead; docs/networking.md has both measured). It speaks the same
// commands and events as the network thread (channel/net-messages.ts), but answers
// them here with non-blocking sockets and one epoll set: a command runs when it is
// posted, events are gathered at each look (epoll_wait with no timeout) and an idle
// VM loop sleeps in epoll_wait. No thread hop, no message; every call is non-blocking,
// so the emulation thread still never waits for a peer.
import { c, errno, errnoName, syscall } from '@unikv/host-libc';
import type { NetCommand, NetEvent, Publish } from '../../channel/net-messages.js';
import { AF_INET, AF_INET6, decodeSockAddr, encodeSockAddr } from '../ports/net.js';
import { EXIT_DRAIN_MS, type HostSockets } from './host-link.js';

const SYS = {
  read: 0,
  write: 1,
  close: 3,
  socket: 41,
  connect: 42,
  sendto: 44,
  recvfrom: 45,
  shutdown: 48,
  bind: 49,
  listen: 50,
  getsockname: 51,
  getpeername: 52,
  setsockopt: 54,
  getsockopt: 55,
  accept4: 288,
  epoll_create1: 291,
  epoll_ctl: 233,
  epoll_wait: 232,
};
const SOCK_STREAM = 1;
const SOCK_DGRAM = 2;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_REUSEADDR = 2;
const SO_ERROR = 4;
const SO_KEEPALIVE = 9;
const SO_LINGER = 13;
const IPPROTO_TCP = 6;
const TCP_NODELAY = 1;
const EPOLL_CTL_ADD = 1;
const EPOLL_CTL_DEL = 2;
const EPOLL_CTL_MOD = 3;
const EPOLLIN = 0x1;
const EPOLLOUT = 0x4;
const EPOLLERR = 0x8;
const EPOLLHUP = 0x10;
const EAGAIN = 11;
const EINPROGRESS = 115;
const EINTR = 4;
const MAX_EVENTS = 256;
const READ_CHUNK = 64 * 1024;
/** As the network thread's: see proxy/net/thread.ts. */
const RECEIVE_WINDOW = 256 * 1024;
const WRITTEN_STEP = 32 * 1024;
/** A closed connection whose peer does not take its last bytes is dropped after this. */
const LINGER_MS = 30_000;

interface Conn {
  id: number;
  fd: number;
  kind: 'conn' | 'listener' | 'udp';
  connecting: boolean;
  /** Bytes waiting for the host socket to take them. */
  out: Uint8Array[];
  unacked: number;
  written: number;
  reading: boolean;
  /** The guest asked for the end (after `out` drains). */
  ending: boolean;
  closing: number;
  readEnded: boolean;
  interest: number;
  guestPort: number;
}

const int32 = (v: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v, true);
  return b;
};

export class DirectLink implements HostSockets {
  private readonly epfd: number;
  private readonly byFd = new Map<number, Conn>();
  private readonly byId = new Map<number, Conn>();
  /** Connections the guest closed whose unsent bytes still drain (dropped after LINGER_MS). */
  private readonly lingering = new Set<Conn>();
  private events: NetEvent[] = [];
  private readonly eventBuf = new Uint8Array(MAX_EVENTS * 12);
  private readonly readBuf = new Uint8Array(READ_CHUNK);
  private nextIncoming = 1;
  private refused: string | undefined;

  constructor(publish: Publish[]) {
    this.epfd = syscall(SYS.epoll_create1, SOCK_CLOEXEC);
    for (const p of publish) {
      const problem = this.listen(p);
      if (problem) {
        this.refused = problem;
        break;
      }
    }
  }

  private listen(p: Publish): string | undefined {
    const family = p.host.includes(':') ? AF_INET6 : AF_INET;
    const fd = syscall(SYS.socket, family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    this.setInt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    const addr = encodeSockAddr({ family, address: p.host, port: p.hostPort });
    const fail = (e: number) => {
      syscall(SYS.close, fd);
      const name = errnoName(e);
      const why =
        name === 'EADDRINUSE' ? 'host port already in use' : name === 'EACCES' ? 'permission denied' : name === 'EADDRNOTAVAIL' ? 'no such host address' : name;
      return `--publish ${p.spec}: cannot listen on ${p.host}:${p.hostPort}: ${why}`;
    };
    if (Number(c.sys_to(SYS.bind, fd, addr, addr.length, 0, null, 0)) < 0) return fail(errno());
    if (syscall(SYS.listen, fd, 4096) < 0) return fail(errno());
    const conn = this.track(-1, fd, 'listener');
    conn.guestPort = p.guestPort;
    this.watch(conn, EPOLLIN);
    return undefined;
  }

  private setInt(fd: number, level: number, name: number, value: number): void {
    c.sys_opt(SYS.setsockopt, fd, level, name, int32(value), 4, 0);
  }

  private track(id: number, fd: number, kind: Conn['kind']): Conn {
    const conn: Conn = {
      id,
      fd,
      kind,
      connecting: false,
      out: [],
      unacked: 0,
      written: 0,
      reading: true,
      ending: false,
      closing: 0,
      readEnded: false,
      interest: 0,
      guestPort: 0,
    };
    this.byFd.set(fd, conn);
    if (id >= 0) this.byId.set(id, conn);
    return conn;
  }

  /** Sets the epoll interest of a connection (0: none). */
  private watch(conn: Conn, interest: number): void {
    if (interest === conn.interest) return;
    const ev = new Uint8Array(12);
    const dv = new DataView(ev.buffer);
    dv.setUint32(0, interest, true);
    dv.setUint32(4, conn.fd, true);
    const op = conn.interest === 0 ? EPOLL_CTL_ADD : interest === 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
    c.sys_opt(SYS.epoll_ctl, this.epfd, op, conn.fd, ev, 0, 0);
    conn.interest = interest;
  }

  private rewatch(conn: Conn): void {
    let interest = 0;
    if (conn.kind !== 'conn') interest = EPOLLIN;
    else if (conn.connecting) interest = EPOLLOUT;
    else {
      if (conn.reading && !conn.readEnded && conn.closing === 0) interest |= EPOLLIN;
      if (conn.out.length > 0) interest |= EPOLLOUT;
    }
    this.watch(conn, interest);
  }

  awaitReady(): string | undefined {
    return this.refused;
  }

  post(command: NetCommand): void {
    if (command.op === 'drain') return; // (close() drains)
    const conn = this.byId.get(command.id);
    switch (command.op) {
      case 'connect': {
        const family = command.family === 6 ? AF_INET6 : AF_INET;
        const fd = syscall(SYS.socket, family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
          this.events.push({ ev: 'closed', id: command.id, error: errnoName(errno()) });
          return;
        }
        this.setInt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
        const c2 = this.track(command.id, fd, 'conn');
        const addr = encodeSockAddr({ family, address: command.host, port: command.port });
        const r = Number(c.sys_to(SYS.connect, fd, addr, addr.length, 0, null, 0));
        if (r < 0 && errno() !== EINPROGRESS) {
          this.fail(c2, errnoName(errno()));
          return;
        }
        c2.connecting = r < 0;
        if (!c2.connecting) this.events.push({ ev: 'connected', id: command.id, ...this.localName(fd) });
        this.rewatch(c2);
        return;
      }
      case 'write':
        if (!conn) return;
        conn.out.push(command.bytes);
        this.flushOut(conn);
        return;
      case 'end':
        if (!conn) return;
        conn.ending = true;
        this.flushOut(conn);
        return;
      case 'close':
        if (!conn) return;
        this.byId.delete(conn.id);
        conn.id = -1;
        if (command.reset) {
          const linger = new Uint8Array(8);
          new DataView(linger.buffer).setInt32(0, 1, true);
          c.sys_opt(SYS.setsockopt, conn.fd, SOL_SOCKET, SO_LINGER, linger, 8, 0);
          this.drop(conn);
          return;
        }
        conn.ending = true;
        conn.closing = Date.now();
        this.lingering.add(conn);
        this.flushOut(conn);
        return;
      case 'ack':
        if (!conn) return;
        conn.unacked = Math.max(0, conn.unacked - command.n);
        if (!conn.reading && conn.unacked < RECEIVE_WINDOW / 2) {
          conn.reading = true;
          this.rewatch(conn);
        }
        return;
      case 'nodelay':
        if (conn) this.setInt(conn.fd, IPPROTO_TCP, TCP_NODELAY, command.on ? 1 : 0);
        return;
      case 'keepalive':
        if (conn) this.setInt(conn.fd, SOL_SOCKET, SO_KEEPALIVE, command.on ? 1 : 0);
        return;
      case 'udp-open': {
        const family = command.family === 6 ? AF_INET6 : AF_INET;
        const fd = syscall(SYS.socket, family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) return;
        const u = this.track(command.id, fd, 'udp');
        this.rewatch(u);
        return;
      }
      case 'udp-send': {
        if (!conn) return;
        const family = command.host.includes(':') ? AF_INET6 : AF_INET;
        const addr = encodeSockAddr({ family, address: command.host, port: command.port });
        c.sys_to(SYS.sendto, conn.fd, command.bytes, command.bytes.length, 0, addr, addr.length);
        return;
      }
      case 'udp-close':
        if (conn) this.drop(conn);
        return;
    }
  }

  /** The host socket's own address (getsockname): what its peer sees. */
  private localName(fd: number): { localAddress: string; localPort: number } {
    const addr = new Uint8Array(128);
    const len = int32(128);
    if (Number(c.sys_name(SYS.getsockname, fd, addr, len, 0, 0, 0)) < 0) return { localAddress: '', localPort: 0 };
    const name = decodeSockAddr(addr.subarray(0, new DataView(len.buffer).getInt32(0, true)));
    return typeof name === 'number' ? { localAddress: '', localPort: 0 } : { localAddress: name.address, localPort: name.port };
  }

  /** Writes what the host socket takes now; the rest waits for EPOLLOUT. */
  private flushOut(conn: Conn): void {
    while (conn.out.length > 0) {
      const head = conn.out[0];
      const n = Number(c.sys_io(SYS.write, conn.fd, head, head.length, 0, null, null));
      if (n < 0) {
        const e = errno();
        if (e === EAGAIN || e === EINTR) break;
        this.fail(conn, errnoName(e));
        return;
      }
      conn.written += n;
      if (n === head.length) conn.out.shift();
      else conn.out[0] = head.subarray(n);
    }
    if (conn.written >= WRITTEN_STEP && conn.id >= 0) {
      this.events.push({ ev: 'written', id: conn.id, n: conn.written });
      conn.written = 0;
    }
    if (conn.out.length === 0 && conn.ending) {
      syscall(SYS.shutdown, conn.fd, 1);
      if (conn.closing) {
        this.drop(conn);
        return;
      }
      if (conn.readEnded) {
        this.finish(conn, undefined);
        return;
      }
    }
    this.rewatch(conn);
  }

  private fail(conn: Conn, error: string | undefined): void {
    this.finish(conn, error);
  }

  /** The connection is over: the guest hears `closed` (unless it closed first). */
  private finish(conn: Conn, error: string | undefined): void {
    if (conn.id >= 0) this.events.push({ ev: 'closed', id: conn.id, error });
    this.drop(conn);
  }

  private drop(conn: Conn): void {
    this.lingering.delete(conn);
    this.watch(conn, 0);
    syscall(SYS.close, conn.fd);
    this.byFd.delete(conn.fd);
    if (conn.id >= 0) this.byId.delete(conn.id);
    conn.id = -1;
  }

  private onReady(conn: Conn, bits: number): void {
    if (conn.kind === 'listener') {
      this.acceptAll(conn);
      return;
    }
    if (conn.kind === 'udp') {
      this.readDatagrams(conn);
      return;
    }
    if (conn.connecting) {
      const v = new Uint8Array(4);
      c.sys_getopt(SYS.getsockopt, conn.fd, SOL_SOCKET, SO_ERROR, v, int32(4), 0);
      const e = new DataView(v.buffer).getInt32(0, true);
      if (e !== 0) {
        this.fail(conn, errnoName(e));
        return;
      }
      conn.connecting = false;
      this.events.push({ ev: 'connected', id: conn.id, ...this.localName(conn.fd) });
      this.rewatch(conn);
      return;
    }
    if (bits & (EPOLLIN | EPOLLHUP | EPOLLERR) && conn.reading && !conn.readEnded) this.readSome(conn);
    if (conn.fd >= 0 && this.byFd.get(conn.fd) === conn && bits & EPOLLOUT) this.flushOut(conn);
  }

  private readSome(conn: Conn): void {
    for (let i = 0; i < 4 && conn.unacked < RECEIVE_WINDOW; i++) {
      const n = Number(c.sys_io(SYS.read, conn.fd, this.readBuf, READ_CHUNK, 0, null, null));
      if (n < 0) {
        const e = errno();
        if (e === EAGAIN || e === EINTR) break;
        this.fail(conn, errnoName(e));
        return;
      }
      if (n === 0) {
        conn.readEnded = true;
        if (conn.id >= 0) this.events.push({ ev: 'end', id: conn.id });
        if (conn.ending && conn.out.length === 0) {
          this.finish(conn, undefined);
          return;
        }
        break;
      }
      if (conn.id >= 0) this.events.push({ ev: 'data', id: conn.id, bytes: this.readBuf.slice(0, n) });
      conn.unacked += n;
      if (n < READ_CHUNK) break;
    }
    if (conn.unacked >= RECEIVE_WINDOW) conn.reading = false;
    this.rewatch(conn);
  }

  private acceptAll(listener: Conn): void {
    const addr = new Uint8Array(128);
    for (;;) {
      const len = int32(128);
      const fd = Number(c.sys_name(SYS.accept4, listener.fd, addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC, 0, 0));
      if (fd < 0) return;
      this.setInt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
      const id = this.nextIncoming;
      this.nextIncoming += 2;
      const conn = this.track(id, fd, 'conn');
      const peer = decodeSockAddr(addr.subarray(0, new DataView(len.buffer).getInt32(0, true)));
      const p = typeof peer === 'number' ? { family: AF_INET, address: '127.0.0.1', port: 0 } : peer;
      this.events.push({
        ev: 'incoming',
        id,
        guestPort: listener.guestPort,
        remoteAddress: p.address,
        remotePort: p.port,
        family: p.family === AF_INET6 ? 6 : 4,
      });
      conn.reading = false; // until the guest accepts it (its first ack): queued connections hold no data
      this.rewatch(conn);
    }
  }

  private readDatagrams(conn: Conn): void {
    const from = new Uint8Array(128);
    for (;;) {
      const len = int32(128);
      const n = Number(c.sys_io(SYS.recvfrom, conn.fd, this.readBuf, READ_CHUNK, 0, from, len));
      if (n < 0) return;
      const addr = decodeSockAddr(from.subarray(0, new DataView(len.buffer).getInt32(0, true)));
      if (typeof addr === 'number') continue;
      this.events.push({
        ev: 'udp-data',
        id: conn.id,
        bytes: this.readBuf.slice(0, n),
        address: addr.address,
        port: addr.port,
        family: addr.family === AF_INET6 ? 6 : 4,
      });
    }
  }

  /** Gathers what epoll reports (waiting up to `ms`). */
  private pump(ms: number): void {
    const n = Number(c.sys_to(SYS.epoll_wait, this.epfd, this.eventBuf, MAX_EVENTS, ms, null, 0));
    const dv = new DataView(this.eventBuf.buffer);
    for (let i = 0; i < n; i++) {
      const bits = dv.getUint32(i * 12, true);
      const conn = this.byFd.get(dv.getUint32(i * 12 + 4, true));
      if (conn) this.onReady(conn, bits);
    }
    if (this.lingering.size > 0) this.dropStale();
  }

  private dropStale(): void {
    const now = Date.now();
    for (const conn of [...this.lingering]) if (now - conn.closing > LINGER_MS) this.drop(conn);
  }

  poll(on: (event: NetEvent) => void): boolean {
    this.pump(0);
    if (this.events.length === 0) return false;
    const events = this.events;
    this.events = [];
    for (const e of events) on(e);
    return true;
  }

  wait(ms: number): void {
    if (this.events.length === 0) this.pump(Math.max(0, Math.floor(ms)));
  }

  close(): void {
    // The guest is gone, so waiting here delays nothing but the VMM's exit.
    const deadline = Date.now() + EXIT_DRAIN_MS;
    const unsent = () => [...this.byFd.values()].some((conn) => conn.out.length > 0);
    while (unsent() && Date.now() < deadline) this.pump(Math.max(1, Math.min(50, deadline - Date.now())));
    for (const conn of [...this.byFd.values()]) this.drop(conn);
    syscall(SYS.close, this.epfd);
  }
}
