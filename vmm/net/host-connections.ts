// The guest's sockets that reach beyond the guest: outbound TCP connections and UDP
// sockets through real host sockets, and connections accepted on a --publish port,
// which come in to the guest listener. It owns the host backend (direct-link.ts, or
// host-link.ts's network thread), the ids that name a socket to it, the send window
// (SEND_WINDOW bytes handed to the host and not yet taken by its socket) and the
// acknowledgements that let the host read on; it turns the host's events into
// socket state.
import type { NetEvent, Publish } from '../../channel/net-messages.js';
import { AF_INET, AF_INET6, type SockAddr } from '../ports/net.js';
import { DirectLink } from './direct-link.js';
import { E } from './errno.js';
import { DNS_ALIAS, hostResolver, hostText } from './host-addresses.js';
import { HostLink, type HostSockets } from './host-link.js';
import type { PortSpace } from './port-space.js';
import { abortsOnClose, IPPROTO_TCP, optionOn, SO_KEEPALIVE, SOL_SOCKET, TCP_NODELAY } from './socket-options.js';
import { SEND_WINDOW, SOCK_STREAM, type Sock } from './socket.js';
import type { Sockets } from './sockets.js';

/** Host connections that wait for room in a full accept queue; past them, a reset. */
const OVERFLOW_MAX = 4096;
/** The receiver acknowledges host data in steps of this many bytes (host-link flow control). */
const ACK_STEP = 32 * 1024;

export class HostConnections {
  private readonly byHost = new Map<number, Sock>();
  private readonly byUdp = new Map<number, Sock>();
  private nextHostId = 2;
  private link: HostSockets | undefined;

  constructor(
    private readonly sockets: Sockets,
    private readonly ports: PortSpace,
    private readonly publish: Publish[],
  ) {}

  /** Starts the host backend now when ports are published; the line why not, if one cannot be. */
  start(): string | undefined {
    if (this.publish.length === 0) return undefined;
    return this.hostLink().awaitReady();
  }

  /** Ends the host backend (the VM is over). */
  stop(): void {
    this.link?.close();
  }

  /** Takes the host's events; true if any arrived. */
  poll(): boolean {
    return this.link?.poll((e) => this.onHostEvent(e)) ?? false;
  }

  /** Whether the host side can still wake the guest (published ports, host connections). */
  open(): boolean {
    return this.link !== undefined && (this.publish.length > 0 || this.byHost.size > 0 || this.byUdp.size > 0);
  }

  wait(ms: number): void {
    this.link?.wait(ms);
  }

  /** Starts an outbound connection for a bound socket: -EINPROGRESS or -EAGAIN (a blocking connect waits). */
  connect(s: Sock, addr: SockAddr, nonblock: boolean): number {
    const id = this.nextHostId;
    this.nextHostId += 2;
    s.hostId = id;
    this.byHost.set(id, s);
    s.state = 'connecting';
    s.peer = addr;
    s.connectWaiter = !nonblock;
    const { host, family } = hostText(addr);
    this.hostLink().post({ op: 'connect', id, host, port: addr.port, family });
    this.sockets.changed(s.h, false, false);
    return nonblock ? -E.EINPROGRESS : -E.EAGAIN;
  }

  /**
   * Sends stream bytes on a host connection, as many as the send window takes: the
   * count or -errno. `beyondWindow` takes them all: sends the guest already made
   * against the room it was told of (the send batch), at most one batch past it.
   */
  write(s: Sock, room: number, take: (n: number) => Uint8Array, beyondWindow = false): number {
    if (s.hostId === undefined) return -E.ENOTCONN;
    const space = beyondWindow ? room : SEND_WINDOW - s.txInFlight;
    if (space <= 0) return -E.EAGAIN;
    const n = Math.min(space, room);
    const bytes = take(n);
    s.txInFlight += n;
    this.hostLink().post({ op: 'write', id: s.hostId, bytes }, [bytes.buffer as ArrayBuffer]); // (bytes is detached now)
    if (s.txInFlight >= SEND_WINDOW) this.sockets.changed(s.h, false, false);
    return n;
  }

  /** Sends a datagram from a bound socket to a host address (the guest's DNS alias: the host's name server). */
  sendDatagram(s: Sock, target: SockAddr, room: number, take: (n: number) => Uint8Array): number {
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

  /** A host connection left the accept queue: it may read now. */
  accepted(s: Sock): void {
    if (s.hostId !== undefined) this.hostLink().post({ op: 'ack', id: s.hostId, n: 0 });
  }

  /** The guest read `n` bytes of a host connection. */
  consumed(s: Sock, n: number): void {
    if (s.hostId === undefined) return;
    s.unacked += n;
    // In steps: the host thread resumes reading below half its window, which the
    // bytes left unacknowledged here (under one step) never keep it above.
    if (s.unacked >= ACK_STEP) {
      this.hostLink().post({ op: 'ack', id: s.hostId, n: s.unacked });
      s.unacked = 0;
    }
  }

  /** The guest shut its sending side of a host connection. */
  endWrite(s: Sock): void {
    if (s.hostId !== undefined) this.hostLink().post({ op: 'end', id: s.hostId });
  }

  /** A socket option the host socket follows too (TCP_NODELAY, SO_KEEPALIVE). */
  option(s: Sock, level: number, name: number, value: Uint8Array): void {
    if (s.hostId === undefined) return;
    if (level === IPPROTO_TCP && name === TCP_NODELAY) this.hostLink().post({ op: 'nodelay', id: s.hostId, on: optionOn(value) });
    if (level === SOL_SOCKET && name === SO_KEEPALIVE) this.hostLink().post({ op: 'keepalive', id: s.hostId, on: optionOn(value) });
  }

  /** The guest closed a socket: its host sockets close (reset if it left bytes unread). */
  closed(s: Sock): void {
    if (s.hostId !== undefined) {
      this.byHost.delete(s.hostId);
      this.link?.post({ op: 'close', id: s.hostId, reset: s.rxBytes > 0 || abortsOnClose(s) });
    }
    if (s.udpId !== undefined) {
      this.byUdp.delete(s.udpId);
      this.link?.post({ op: 'udp-close', id: s.udpId });
    }
  }

  private hostLink(): HostSockets {
    // The host's sockets on this thread through the C library (direct-link.ts), or with
    // UNIKV_NET=thread on a network thread of their own (docs/networking.md compares them).
    this.link ??= process.env.UNIKV_NET === 'thread' ? new HostLink(this.publish) : new DirectLink(this.publish);
    return this.link;
  }

  private onHostEvent(e: NetEvent): void {
    switch (e.ev) {
      case 'connected': {
        const s = this.byHost.get(e.id);
        if (!s) return;
        s.state = 'connected';
        if (e.localPort > 0 && e.localAddress) s.hostLocal = { family: s.domain, address: e.localAddress, port: e.localPort };
        this.sockets.changed(s.h, false, true);
        return;
      }
      case 'incoming':
        this.incoming(e);
        return;
      case 'data': {
        const s = this.byHost.get(e.id);
        if (s) this.sockets.deliver(s, e.bytes);
        return;
      }
      case 'end': {
        const s = this.byHost.get(e.id);
        if (!s) return;
        s.rxEof = true;
        this.sockets.changed(s.h, true, false);
        return;
      }
      case 'written': {
        const s = this.byHost.get(e.id);
        if (!s) return;
        s.txInFlight -= e.n;
        this.sockets.changed(s.h, false, true);
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
        this.sockets.changed(s.h, true, true);
        return;
      }
      case 'udp-data': {
        const s = this.byUdp.get(e.id);
        if (!s) return;
        const resolver = hostResolver();
        const address = e.port === 53 && e.address === resolver.host ? DNS_ALIAS : e.address;
        const from: SockAddr = { family: s.domain, address: s.domain === AF_INET6 && e.family === 4 ? `::ffff:${address}` : address, port: e.port };
        this.sockets.queueDatagram(s, e.bytes, from);
        return;
      }
      case 'ready':
      case 'refused':
      case 'drained':
        return;
    }
  }

  /** A connection accepted on a published port: a socket in the guest listener's queue, or a reset. */
  private incoming(e: Extract<NetEvent, { ev: 'incoming' }>): void {
    const listener = this.ports.listenerFor({ family: AF_INET, address: '127.0.0.1', port: e.guestPort });
    if (!listener || listener.overflow.length >= OVERFLOW_MAX || this.sockets.full()) {
      this.hostLink().post({ op: 'close', id: e.id, reset: true });
      return;
    }
    const s = this.sockets.make(listener.domain, SOCK_STREAM);
    s.state = 'connected';
    s.hostId = e.id;
    this.byHost.set(e.id, s);
    s.local = listener.local;
    const mapped = listener.domain === AF_INET6 && e.family === 4 ? `::ffff:${e.remoteAddress}` : e.remoteAddress;
    s.peer = { family: listener.domain, address: listener.domain === AF_INET && e.family === 6 ? '127.0.0.1' : mapped, port: e.remotePort };
    if (listener.queue.length < listener.backlog) listener.queue.push(s);
    else listener.overflow.push(s);
    this.sockets.changed(listener.h, true, false);
  }
}
