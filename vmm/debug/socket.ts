// The debugger's TCP connection, on loopback only, through the C library's calls:
// the emulation loop runs synchronously on Node's main thread, where the event loop
// (and so node:net) never runs while a guest does. Every wait has a timeout and every
// read is non-blocking, so a debugger that stops reading or writing cannot hold the
// emulation thread for long.
import { accept4, bind, close, getsockname, koffi, listen, poll, recv, send, setsockopt, socket } from '@unikv/host-libc/c';

const AF_INET = 2;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_REUSEADDR = 2;
const IPPROTO_TCP = 6;
const TCP_NODELAY = 1;
const POLLIN = 1;
const POLLOUT = 4;
const MSG_DONTWAIT = 0x40;
const MSG_NOSIGNAL = 0x4000;
const EAGAIN = 11;
const EINTR = 4;
/** How long a reply may wait for room in the socket before the debugger is dropped. */
const SEND_PATIENCE_MS = 5000;

/** The port cannot be used: the command line prints the message and exits with 125. */
export class DebugPortError extends Error {}

/** Waits up to `timeoutMs` for `events` on `fd`; true when ready (or in error, which the next call reports). */
function ready(fd: number, events: number, timeoutMs: number): boolean {
  const fds = new Int32Array([fd, events]); // struct pollfd: int fd; short events; short revents
  const n = poll(fds, 1, timeoutMs);
  return n > 0;
}

/** A listening socket on 127.0.0.1. */
export class LoopbackListener {
  private constructor(
    private fd: number,
    /** The port it listens on (the one chosen by the system when 0 was asked). */
    readonly port: number,
  ) {}

  /** Listens on 127.0.0.1:`port` (0: any free port); a port in use is a DebugPortError. */
  static open(port: number): LoopbackListener {
    const fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw new DebugPortError(`--gdb ${port}: cannot make a socket (${koffi.errno()})`);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, [1], 4);
    const addr = new Uint8Array(16); // struct sockaddr_in: family, port (big-endian), 127.0.0.1
    addr[0] = AF_INET;
    addr[2] = port >> 8;
    addr[3] = port & 0xff;
    addr.set([127, 0, 0, 1], 4);
    if (bind(fd, addr, 16) !== 0 || listen(fd, 1) !== 0) {
      const errno = koffi.errno();
      close(fd);
      const why = errno === koffi.os.errno.EADDRINUSE ? 'the port is in use' : errno === koffi.os.errno.EACCES ? 'permission denied' : `error ${errno}`;
      throw new DebugPortError(`--gdb ${port}: cannot listen on 127.0.0.1:${port}: ${why}`);
    }
    const len = [16];
    getsockname(fd, addr, len);
    return new LoopbackListener(fd, (addr[2] << 8) | addr[3]);
  }

  /** The socket's file descriptor (attention.ts makes it raise SIGIO). */
  get descriptor(): number {
    return this.fd;
  }

  /** A debugger's connection if one comes within `timeoutMs` (-1: wait for one). */
  accept(timeoutMs: number): Connection | undefined {
    if (this.fd < 0 || !ready(this.fd, POLLIN, timeoutMs)) return undefined;
    const fd = accept4(this.fd, null, null, SOCK_CLOEXEC);
    if (fd < 0) return undefined;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, [1], 4);
    return new Connection(fd);
  }

  close(): void {
    if (this.fd >= 0) close(this.fd);
    this.fd = -1;
  }
}

/** One debugger's connection. */
export class Connection {
  private readonly buffer = new Uint8Array(65536);

  constructor(private fd: number) {}

  /** The socket's file descriptor (attention.ts makes it raise SIGIO). */
  get descriptor(): number {
    return this.fd;
  }

  /** Whether input (or the end of the connection) waits to be read. */
  pending(): boolean {
    return this.fd >= 0 && ready(this.fd, POLLIN, 0);
  }

  get open(): boolean {
    return this.fd >= 0;
  }

  /**
   * Bytes that arrive within `timeoutMs` (0: only those already there): empty when
   * none came, undefined when the debugger closed the connection.
   */
  read(timeoutMs: number): Uint8Array | undefined {
    if (this.fd < 0) return undefined;
    if (timeoutMs !== 0 && !ready(this.fd, POLLIN, timeoutMs)) return new Uint8Array(0);
    const n = Number(recv(this.fd, this.buffer, this.buffer.length, MSG_DONTWAIT));
    if (n > 0) return this.buffer.slice(0, n);
    if (n < 0 && (koffi.errno() === EAGAIN || koffi.errno() === EINTR)) return new Uint8Array(0);
    this.close();
    return undefined;
  }

  /** Sends every byte; a debugger that takes none for SEND_PATIENCE_MS is dropped (false). */
  write(bytes: Uint8Array): boolean {
    let offset = 0;
    while (this.fd >= 0 && offset < bytes.length) {
      const n = Number(send(this.fd, bytes.subarray(offset), bytes.length - offset, MSG_DONTWAIT | MSG_NOSIGNAL));
      if (n > 0) offset += n;
      else if (n < 0 && (koffi.errno() === EAGAIN || koffi.errno() === EINTR)) {
        if (!ready(this.fd, POLLOUT, SEND_PATIENCE_MS)) this.close();
      } else this.close();
    }
    return this.fd >= 0;
  }

  close(): void {
    if (this.fd >= 0) close(this.fd);
    this.fd = -1;
  }
}
