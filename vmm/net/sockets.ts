// The live sockets by handle, new ones, and the change notices NetState takes
// (vmm/ports/net.ts): whatever puts bytes or a datagram into a socket's receive queue
// goes through deliver() or queueDatagram() here, which tell the reader.
import { AF_UNIX, type SockAddr } from '../ports/net.js';
import { E } from './errno.js';
import { newSocket, RECEIVE_MAX, type Sock } from './socket.js';

/** Sockets at once (the guest's descriptor table, 1,024, usually ends it first). */
export const SOCKETS_MAX = 8192;

export type ChangeListener = (h: number, input: boolean, output: boolean) => void;

export class Sockets {
  /** Every open socket by its handle. */
  readonly byHandle = new Map<number, Sock>();
  /** Tells NetState that a socket's readiness may have changed (input, output: which side woke). */
  changed: ChangeListener = () => {};
  private nextHandle = 1;

  /** Whether `extra` more sockets would pass SOCKETS_MAX. */
  full(extra = 1): boolean {
    return this.byHandle.size + extra > SOCKETS_MAX;
  }

  make(domain: number, type: number): Sock {
    const s = newSocket(this.nextHandle++, domain, type);
    this.byHandle.set(s.h, s);
    return s;
  }

  /** Stream bytes for a guest socket's reader. */
  deliver(s: Sock, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    s.rx.push(bytes);
    s.rxBytes += bytes.length;
    this.changed(s.h, true, false);
  }

  /** A datagram for a guest socket; dropped (as UDP may) when its queue is full, unless from a socketpair mate. */
  queueDatagram(dest: Sock, bytes: Uint8Array, from: SockAddr): number {
    if (dest.dgramBytes + bytes.length > RECEIVE_MAX) return dest.domain === AF_UNIX ? -E.EAGAIN : bytes.length;
    dest.dgrams.push({ bytes, from });
    dest.dgramBytes += bytes.length;
    this.changed(dest.h, true, false);
    return bytes.length;
  }
}
