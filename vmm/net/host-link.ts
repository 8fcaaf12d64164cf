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

export class HostLink {
  private readonly doorbell = new Int32Array(new SharedArrayBuffer(4));
  private seen = 0;
  private readonly threads: Threads;
  private readonly worker: Worker;
  private readonly port: MessagePort;

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
      const message = this.threads.receiveMessageOnPort(this.port)?.message as NetEvent | undefined;
      if (message?.ev === 'ready') return undefined;
      if (message?.ev === 'refused') return message.message;
      if (message) continue;
      const left = deadline - Date.now();
      if (left <= 0) return '--publish: the host network thread did not start';
      Atomics.wait(this.doorbell, 0, Atomics.load(this.doorbell, 0), Math.min(left, 50));
    }
  }

  post(command: NetCommand, transfer?: ArrayBuffer[]): void {
    this.port.postMessage(command, transfer ?? []);
  }

  /** Hands every event that has arrived to `on`; true if any did. */
  poll(on: (event: NetEvent) => void): boolean {
    const rung = Atomics.load(this.doorbell, 0);
    if (rung === this.seen) return false;
    this.seen = rung;
    let any = false;
    for (;;) {
      const received = this.threads.receiveMessageOnPort(this.port);
      if (!received) return any;
      any = true;
      on(received.message as NetEvent);
    }
  }

  /** Sleeps until the network thread posts something or `ms` pass. */
  wait(ms: number): void {
    Atomics.wait(this.doorbell, 0, this.seen, ms);
  }

  close(): void {
    this.port.close();
    void this.worker.terminate();
  }
}
