// The guest's own name spaces: TCP and UDP ports (a connection to a loopback port a
// guest socket listens on stays inside the guest) and AF_UNIX names (paths and
// abstract names). Binding, ephemeral ports, release on close, lookups.
import { AF_INET6, AF_UNIX, type SockAddr } from '../ports/net.js';
import { E } from './errno.js';
import { reusesPort } from './socket-options.js';
import { SOCK_DGRAM, type Sock } from './socket.js';

/** The guest's ephemeral ports (Linux's default range). */
const EPHEMERAL_LOW = 32768;
const EPHEMERAL_HIGH = 60999;

export class PortSpace {
  private readonly tcpPorts = new Map<number, Sock[]>();
  private readonly udpPorts = new Map<number, Sock>();
  private readonly unixNames = new Map<string, Sock>();
  private nextEphemeral = EPHEMERAL_LOW;

  /** Binds `s` to `addr` (its own domain checked by the caller): 0 or -errno. */
  bind(s: Sock, addr: SockAddr): number {
    if (s.domain === AF_UNIX) {
      const name = addr.path ?? '';
      if (name === '') return this.autobindUnix(s);
      if (this.unixNames.has(name)) return -E.EADDRINUSE;
      this.nameUnix(s, name);
      return 0;
    }
    const port = addr.port === 0 ? this.ephemeral(s.type) : addr.port;
    if (port < 0) return -E.EADDRINUSE;
    if (!this.portFree(s, port)) return -E.EADDRINUSE;
    this.claim(s, port, addr.address);
    return 0;
  }

  /** Binds an unbound socket to an ephemeral port or an abstract name: 0 or -errno. */
  autobind(s: Sock): number {
    if (s.local) return 0;
    if (s.domain === AF_UNIX) return this.autobindUnix(s);
    const port = this.ephemeral(s.type);
    if (port < 0) return -E.EADDRNOTAVAIL;
    this.claim(s, port);
    return 0;
  }

  /** Gives back what a closed socket held. */
  release(s: Sock): void {
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

  /** The guest listener for an incoming connection on `port` (TCP) or a path (AF_UNIX). */
  listenerFor(addr: SockAddr): Sock | undefined {
    if (addr.family === AF_UNIX) {
      const s = this.unixNames.get(addr.path ?? '');
      return s && s.state === 'listening' ? s : undefined;
    }
    return (this.tcpPorts.get(addr.port) ?? []).find((o) => o.state === 'listening');
  }

  /** The socket holding an AF_UNIX name. */
  unixNamed(path: string | undefined): Sock | undefined {
    return this.unixNames.get(path ?? '');
  }

  /** The guest UDP socket bound to `port`. */
  udpAt(port: number): Sock | undefined {
    return this.udpPorts.get(port);
  }

  private nameUnix(s: Sock, name: string): void {
    this.unixNames.set(name, s);
    s.unixPath = name;
    s.local = { family: AF_UNIX, address: '', port: 0, path: name };
  }

  private autobindUnix(s: Sock): number {
    this.nameUnix(s, `\0${(s.h + 0x10000).toString(16).padStart(5, '0')}`);
    return 0;
  }

  private portFree(s: Sock, port: number): boolean {
    if (s.type === SOCK_DGRAM) return !this.udpPorts.has(port);
    const holders = this.tcpPorts.get(port) ?? [];
    return holders.every((o) => reusesPort(o) && reusesPort(s));
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
}
