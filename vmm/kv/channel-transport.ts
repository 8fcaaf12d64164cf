// The emulation thread's end of the device channel: ids, the requests in flight,
// and a backlog for when the channel is full (backpressure: a request waits here,
// it is never dropped). poll() runs completions; wait() sleeps until one arrives.
import { ChannelClient, OP_DELETE, OP_GET, OP_PUT, type Op } from '../../channel/channel.js';
import { MISC } from '../generated/abi.js';
import type { KvRequest, KvTransport } from '../ports/kv.js';

type Done = (status: number, value: Uint8Array) => void;

const CHANNEL_OPS: Record<number, Op> = { [MISC.KV_OP_GET]: OP_GET, [MISC.KV_OP_PUT]: OP_PUT, [MISC.KV_OP_DELETE]: OP_DELETE };

export class ChannelTransport implements KvTransport {
  private readonly client: ChannelClient;
  private readonly inFlight = new Map<number, Done>();
  private readonly backlog: { id: number; request: KvRequest }[] = [];
  private nextId = 1;

  /** `firstUse` runs before the first request is submitted (vm.ts starts the proxy's thread then). */
  constructor(
    sab: SharedArrayBuffer,
    private firstUse?: () => void,
  ) {
    this.client = new ChannelClient(sab, 0);
  }

  submit(request: KvRequest, done: Done): void {
    if (this.firstUse) {
      const start = this.firstUse;
      this.firstUse = undefined;
      start();
    }
    const id = this.nextId;
    this.nextId = this.nextId === 0xffffffff ? 1 : this.nextId + 1;
    this.inFlight.set(id, done);
    // Straight into a channel slot when there is room (the slot is the copy); else a
    // private copy waits in the backlog, since the request's arrays may be views of
    // guest memory that the guest can change at any moment.
    // (poll() sends the backlog as answers free the channel.)
    if (this.backlog.length === 0 && this.client.trySubmit({ id, op: CHANNEL_OPS[request.op], key: request.key, value: request.value })) return;
    this.backlog.push({ id, request: { op: request.op, key: request.key.slice(), value: request.value.slice() } });
  }

  /** Delivers every answer that has arrived; true if any did. */
  poll(): boolean {
    if (this.inFlight.size === 0) return false;
    const n = this.client.pollResponses((response) => {
      const done = this.inFlight.get(response.id);
      if (!done) return; // not ours (cannot happen: ids are echoed by the server)
      this.inFlight.delete(response.id);
      done(response.status, response.value);
    });
    this.flush();
    return n > 0;
  }

  /** True while some request has not been answered. */
  busy(): boolean {
    return this.inFlight.size > 0;
  }

  /** Sleeps until an answer arrives or `ms` pass (undefined: until an answer). */
  wait(ms: number | undefined): void {
    if (this.backlog.length > 0) this.client.waitForSpace(ms ?? 50);
    else this.client.waitForResponse(ms ?? 60_000);
  }

  private flush(): void {
    while (this.backlog.length > 0) {
      const { id, request } = this.backlog[0];
      if (!this.client.trySubmit({ id, op: CHANNEL_OPS[request.op], key: request.key, value: request.value })) return;
      this.backlog.shift();
    }
  }
}
