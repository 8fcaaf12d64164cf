// Guest addresses seen from the host: which stay inside the guest (loopback), how Node
// names one, and the guest's name server alias for the host's own.
import fs from 'node:fs';
import { AF_INET, type SockAddr } from '../ports/net.js';

/** Whether a connection or datagram to `a` may stay inside the guest (a loopback or any address). */
export const isLoopback = (a: SockAddr) =>
  a.family === AF_INET
    ? a.address.startsWith('127.') || a.address === '0.0.0.0'
    : /^(0:){7}1$|^(0:){7}0$|^::1?$/.test(a.address) || a.address.startsWith('0:0:0:0:0:ffff:7f');

/** The guest's name server (its /etc/resolv.conf): queries to it go to the host's first one. */
export const DNS_ALIAS = '10.0.2.3';
let resolverCache: { host: string; family: 4 | 6 } | undefined;

/** The host's first name server (its /etc/resolv.conf), loopback if it names none. */
export function hostResolver(): { host: string; family: 4 | 6 } {
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
export function hostText(a: SockAddr): { host: string; family: 4 | 6 } {
  if (a.family === AF_INET) return { host: a.address, family: 4 };
  const w = a.address.split(':').map((x) => Number.parseInt(x, 16));
  if (w.length === 8 && w.slice(0, 5).every((x) => x === 0) && w[5] === 0xffff)
    return { host: `${w[6] >> 8}.${w[6] & 255}.${w[7] >> 8}.${w[7] & 255}`, family: 4 };
  return { host: a.address, family: 6 };
}
