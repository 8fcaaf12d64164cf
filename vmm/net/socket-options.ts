// Socket options: setsockopt keeps every value it accepts and getsockopt answers it
// back, except for the options Linux computes (type, error, domain, buffer sizes).
// Only TCP_NODELAY and SO_KEEPALIVE reach a host connection (the table posts them).
import { AF_UNIX } from '../ports/net.js';
import { E } from './errno.js';
import { SOCK_STREAM, type Sock } from './socket.js';

export const SOL_SOCKET = 1;
const IPPROTO_IP = 0;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
const IPPROTO_IPV6 = 41;
const SO_REUSEADDR = 2;
const SO_TYPE = 3;
const SO_ERROR = 4;
const SO_SNDBUF = 7;
const SO_RCVBUF = 8;
export const SO_KEEPALIVE = 9;
const SO_LINGER = 13;
const SO_REUSEPORT = 15;
const SO_PROTOCOL = 38;
const SO_DOMAIN = 39;
const SO_ACCEPTCONN = 30;
const SO_RCVTIMEO = 20;
const SO_SNDTIMEO = 21;
export const TCP_NODELAY = 1;
const DEFAULT_BUFFER = 212992;

const intValue = (v: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v, true);
  return b;
};

const known = (level: number) => level === SOL_SOCKET || level === IPPROTO_TCP || level === IPPROTO_IP || level === IPPROTO_IPV6 || level === IPPROTO_UDP;

/** Keeps an option's value: 0, or -errno for an unknown level or a value too short. */
export function storeOption(s: Sock, level: number, name: number, value: Uint8Array): number {
  if (!known(level)) return -E.ENOPROTOOPT;
  if ((level === SOL_SOCKET || level === IPPROTO_TCP) && value.length < (name === SO_LINGER && level === SOL_SOCKET ? 8 : 4)) return -E.EINVAL;
  s.opts.set(`${level}:${name}`, value.slice());
  return 0;
}

/** Whether an option value (an int) turns its option on. */
export const optionOn = (value: Uint8Array) => value.length >= 4 && new DataView(value.buffer, value.byteOffset, 4).getInt32(0, true) !== 0;

/** An option's value, or -errno; reading SO_ERROR clears the error (`cleared` then tells the table). */
export function optionValue(s: Sock, level: number, name: number, cleared: () => void): Uint8Array | number {
  if (level === SOL_SOCKET) {
    switch (name) {
      case SO_TYPE:
        return intValue(s.type);
      case SO_ERROR: {
        const e = s.error;
        s.error = 0;
        if (e) cleared();
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
  } else if (!known(level)) return -E.ENOPROTOOPT;
  return s.opts.get(`${level}:${name}`) ?? intValue(0);
}

/** Whether SO_LINGER is on with a zero timeout: a close then resets the connection (as Linux's abortive close). */
export function abortsOnClose(s: Sock): boolean {
  const v = s.opts.get(`${SOL_SOCKET}:${SO_LINGER}`);
  if (!v || v.length < 8) return false;
  const dv = new DataView(v.buffer, v.byteOffset, 8);
  return dv.getInt32(0, true) !== 0 && dv.getInt32(4, true) === 0;
}

/** Whether SO_REUSEPORT is on (two listeners may share a port). */
export function reusesPort(s: Sock): boolean {
  const v = s.opts.get(`${SOL_SOCKET}:${SO_REUSEPORT}`);
  return v?.some((b) => b !== 0) ?? false;
}

/** SO_RCVTIMEO or SO_SNDTIMEO in nanoseconds, 0 for none. */
export function timeoutNs(s: Sock | undefined, receiving: boolean): number {
  const v = s?.opts.get(`${SOL_SOCKET}:${receiving ? SO_RCVTIMEO : SO_SNDTIMEO}`);
  if (!v || v.length < 16) return 0;
  const dv = new DataView(v.buffer, v.byteOffset, 16);
  const ns = Number(dv.getBigInt64(0, true)) * 1e9 + Number(dv.getBigInt64(8, true)) * 1e3;
  return Number.isFinite(ns) && ns > 0 ? Math.min(ns, 2 ** 53 - 1) : 0;
}
