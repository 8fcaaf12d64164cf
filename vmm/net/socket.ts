// One guest socket as the socket table keeps it: its state, addresses, the bytes and
// datagrams waiting for its reader, its link to the other end (an in-guest mate or a
// host connection) and, for a listener, its accept queue. Every buffer is bounded:
// RECEIVE_MAX bytes waiting to be read, SEND_WINDOW bytes handed to the host and not
// yet taken by its socket.
import type { SockAddr } from '../ports/net.js';

export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;

/** Bytes a socket holds for its reader before a sender must wait. */
export const RECEIVE_MAX = 256 * 1024;
/** Bytes a socket hands the host and the host socket has not yet taken. */
export const SEND_WINDOW = 256 * 1024;

export type State = 'idle' | 'listening' | 'connecting' | 'connected' | 'failed';

export interface Datagram {
  bytes: Uint8Array;
  from: SockAddr;
}

export interface Sock {
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

/** A new socket, unbound and unconnected, with handle `h`. */
export function newSocket(h: number, domain: number, type: number): Sock {
  return {
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
}

/** Takes (or with `peek` copies) the first `n` received bytes of a stream socket; n <= s.rxBytes. */
export function takeReceived(s: Sock, n: number, peek: boolean): Uint8Array {
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
  if (peek) return out;
  s.rx.splice(0, index);
  s.rxOffset = offset;
  s.rxBytes -= n;
  return out;
}
