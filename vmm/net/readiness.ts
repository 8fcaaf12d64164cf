// A socket's poll bits, as Linux shows them: what the kernel's readiness model
// (NetState, guest-src/kernel/fs/events.asm) learns after each change the table reports.
import { RECEIVE_MAX, SEND_WINDOW, SOCK_DGRAM, type Sock } from './socket.js';

const POLLIN = 0x001;
const POLLOUT = 0x004;
export const POLLERR = 0x008;
export const POLLHUP = 0x010;
const POLLRDNORM = 0x040;
const POLLWRNORM = 0x100;
const POLLRDHUP = 0x2000;

/** The poll bits of socket `s`. */
export function readiness(s: Sock): number {
  let bits = s.error ? POLLERR : 0;
  if (s.type === SOCK_DGRAM) {
    if (s.dgrams.length > 0) bits |= POLLIN | POLLRDNORM;
    if (!s.mate || s.mate.dgramBytes < RECEIVE_MAX) bits |= POLLOUT | POLLWRNORM;
    return bits;
  }
  switch (s.state) {
    case 'listening':
      return bits | (s.queue.length > 0 ? POLLIN | POLLRDNORM : 0);
    case 'idle':
      return bits | POLLOUT | POLLWRNORM | POLLHUP;
    case 'connecting':
      return bits;
    case 'failed':
      return bits | POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM | POLLHUP | POLLERR;
    case 'connected':
      break;
  }
  if (s.rxBytes > 0) bits |= POLLIN | POLLRDNORM;
  if (s.rxEof || s.shutRd) bits |= POLLIN | POLLRDNORM | POLLRDHUP;
  const writable = s.shutWr || s.peerGone ? true : s.mate ? s.mate.rxBytes < RECEIVE_MAX : s.txInFlight < SEND_WINDOW;
  if (writable) bits |= POLLOUT | POLLWRNORM;
  if ((s.rxEof || s.shutRd) && (s.shutWr || s.peerGone)) bits |= POLLHUP;
  return bits;
}
