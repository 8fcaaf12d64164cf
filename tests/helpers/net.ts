// Host-side helpers for the networking tests: a free loopback port, a VM started in
// the background whose output can be waited for, and a TCP client that reads exact
// byte counts.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import net from 'node:net';
import { VMM_NODE_ARGS } from '../../vmm/paths.js';
import { ROOT } from './run-vm.js';

/** A loopback port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningVm {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  /** Resolves once stdout matches `pattern`; rejects if the VM ends first or after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<void>;
  /** The exit status once the VM ends (it is killed after `ms`). */
  exited(ms?: number): Promise<number | null>;
}

export function startVm(args: string[]): RunningVm {
  const child = spawn(process.execPath, [...VMM_NODE_ARGS, ...args], { cwd: ROOT });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d;
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d;
  });
  const ended = new Promise<number | null>((resolve) => child.on('close', (status) => resolve(status)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor(pattern, ms = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; stdout: ${out}; stderr: ${err}`)), ms);
        const look = () => {
          if (!pattern.test(out)) return;
          clearTimeout(timer);
          child.stdout.off('data', look);
          resolve();
        };
        child.stdout.on('data', look);
        void ended.then(() => {
          clearTimeout(timer);
          if (pattern.test(out)) resolve();
          else reject(new Error(`the VM ended before ${pattern}; stdout: ${out}; stderr: ${err}`));
        });
        look();
      });
    },
    exited(ms = 90_000) {
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      return ended.finally(() => clearTimeout(timer));
    },
  };
}

/** A connected socket with a queue of received bytes to take exact counts from. */
export class Client {
  private chunks: Buffer[] = [];
  private size = 0;
  private waiter: (() => void) | undefined;
  ended = false;
  error: Error | undefined;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.chunks.push(d);
      this.size += d.length;
      this.waiter?.();
    });
    socket.on('end', () => {
      this.ended = true;
      this.waiter?.();
    });
    socket.on('error', (e) => {
      this.error = e;
      this.waiter?.();
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<Client> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host }, () => resolve(new Client(socket)));
      socket.setNoDelay(true);
      socket.once('error', reject);
    });
  }

  /** Exactly n bytes (rejects at the end of the stream or an error). */
  async read(n: number): Promise<Buffer> {
    while (this.size < n) {
      if (this.ended || this.error) throw this.error ?? new Error(`the stream ended after ${this.size} of ${n} bytes`);
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
      this.waiter = undefined;
    }
    const all = Buffer.concat(this.chunks);
    this.chunks = [all.subarray(n)];
    this.size -= n;
    return all.subarray(0, n);
  }

  write(data: Buffer | string): void {
    this.socket.write(data);
  }

  end(): Promise<void> {
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end();
    });
  }
}
