// The emulation thread's end of the host network thread (proxy/net/thread.ts): starts
// it, posts commands, and takes its events without ever waiting for them (poll), or
// sleeps on its doorbell when the guest has nothing to run (wait).
import { createRequire } from 'node:module';
import type { MessagePort, Worker } from 'node:worker_threads';
import type { NetCommand, NetEvent, NetThreadData, Publish } from '../../channel/net-messages.js';
import { NET_THREAD } from '../paths.js';

/** How long the start waits for the published ports to be listening. */
const PUBLISH_TIMEOUT_MS = 10_000;

type Threads = typeof import('node:worker_threads');

/** The host side of the guest's sockets: the network thread (HostLink) or direct-link.ts. */
export interface HostSockets {
  awaitReady(): string | undefined;
  post(command: NetCommand, transfer?: ArrayBuffer[]): void;
  poll(on: (event: NetEvent) => void): boolean;
  wait(ms: number): void;
  /** The VM is over: what the guest wrote goes out (for at most EXIT_DRAIN_MS), then every socket closes. */
  close(): void;
}

/** How long a VM that has ended waits for its sockets' last bytes to leave. */
export const EXIT_DRAIN_MS = 2000;

export class HostLink implements HostSockets {
  private readonly doorbell = new Int32Array(new SharedArrayBuffer(4));
  private seen = 0;
  private readonly threads: Threads;
  private readonly worker: Worker;
  private readonly port: MessagePort;
  /** Commands not yet sent: they leave together at the next flush (poll, wait). */
  private pending: NetCommand[] = [];
  private pendingTransfer: ArrayBuffer[] = [];

  constructor(publish: Publish[]) {
    // Loaded here, not at the top: most guests never use the network.
    this.threads = createRequire(import.meta.url)('node:worker_threads') as Threads;
    const data: NetThreadData = { doorbell: this.doorbell.buffer as SharedArrayBuffer, publish };
    this.worker = new this.threads.Worker(NET_THREAD, { workerData: data });
    this.worker.unref();
    const channel = new this.threads.MessageChannel();
    this.port = channel.port1;
    this.worker.postMessage({ port: channel.port2 }, [channel.port2]);
  }

  /**
   * Waits (before the guest runs) until every published port listens: undefined, or
   * the one line saying why one cannot.
   */
  awaitReady(): string | undefined {
    const deadline = Date.now() + PUBLISH_TIMEOUT_MS;
    for (;;) {
      const events = this.threads.receiveMessageOnPort(this.port)?.message as NetEvent[] | undefined;
      for (const e of events ?? []) {
        if (e.ev === 'ready') return undefined;
        if (e.ev === 'refused') return e.message;
      }
      if (events) continue;
      const left = deadline - Date.now();
      if (left <= 0) return '--publish: the host network thread did not start';
      Atomics.wait(this.doorbell, 0, Atomics.load(this.doorbell, 0), Math.min(left, 50));
    }
  }

  post(command: NetCommand, transfer?: ArrayBuffer[]): void {
    this.pending.push(command);
    if (transfer) this.pendingTransfer.push(...transfer);
  }

  /** Sends the commands posted since the last flush, in one message. */
  flush(): void {
    if (this.pending.length === 0) return;
    this.port.postMessage(this.pending, this.pendingTransfer);
    this.pending = [];
    this.pendingTransfer = [];
  }

  /** Sends what is pending, then hands every event that has arrived to `on`; true if any did. */
  poll(on: (event: NetEvent) => void): boolean {
    this.flush();
    const rung = Atomics.load(this.doorbell, 0);
    if (rung === this.seen) return false;
    this.seen = rung;
    let any = false;
    for (;;) {
      const received = this.threads.receiveMessageOnPort(this.port);
      if (!received) return any;
      any = true;
      for (const event of received.message as NetEvent[]) on(event);
    }
  }

  /** Sleeps until the network thread posts something or `ms` pass. */
  wait(ms: number): void {
    this.flush();
    Atomics.wait(this.doorbell, 0, this.seen, ms);
  }

  close(): void {
    this.post({ op: 'drain' });
    this.flush();
    // The guest is gone, so waiting here delays nothing but the VMM's exit.
    const deadline = Date.now() + EXIT_DRAIN_MS;
    let drained = false;
    while (!drained && Date.now() < deadline) {
      this.poll((e) => {
        if (e.ev === 'drained') drained = true;
      });
      if (!drained) this.wait(Math.max(1, deadline - Date.now()));
    }
    this.port.close();
    void this.worker.terminate();
  }
}
