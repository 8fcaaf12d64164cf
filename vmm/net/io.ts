// The VM loop's view of I/O that finishes on other threads: the key-value channel
// and the host network thread, polled together; an idle loop sleeps on whichever
// can wake the guest.
import type { ChannelTransport } from '../kv/channel-transport.js';
import type { SocketTable } from './stack.js';

/** While key-value requests are out, the network is looked at this often (ms). */
const KV_NET_SLICE_MS = 1;

export function combineIo(kv: ChannelTransport | undefined, net: SocketTable) {
  return {
    poll(): boolean {
      const a = kv?.poll() ?? false;
      const b = net.poll();
      return a || b;
    },
    busy(): boolean {
      return kv?.busy() ?? false;
    },
    open(): boolean {
      return net.open();
    },
    wait(ms: number | undefined): void {
      if (kv?.busy()) kv.wait(net.open() ? Math.min(ms ?? KV_NET_SLICE_MS, KV_NET_SLICE_MS) : ms);
      else net.wait(ms ?? 250);
    },
  };
}
