// The whole virtual machine, built from options: the emulated computer (machine.ts),
// the device channel, the key-value proxy on its own thread (started when the guest
// first uses the store) and the host streams the console uses. The command line,
// the tests and the benchmarks all start guests through runVm().
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Worker } from 'node:worker_threads';
import { createChannel } from '../channel/channel.js';
import type { BackendChoice, ProxyCommand, ProxyReport, ProxyThreadData } from '../channel/proxy-control.js';
import { runMachine, type MachineResult } from './machine.js';
import { DEFAULT_GUEST_PATH, type ShareMount } from './host-share/mounts.js';
import { processStreams } from './host-streams.js';
import { KERNEL_ELF, PROXY_THREAD } from './paths.js';
import type { HostStreams } from './ports/device.js';
import type { Publish } from '../channel/net-messages.js';

export interface VmOptions {
  /** The program: a static x86-64 Linux ELF. */
  appPath: string;
  /** argv[1..] for the program (argv[0] is the image's file name). */
  args?: string[];
  /** NAME=VALUE strings for the program's environment. */
  env?: string[];
  /** Guest RAM in bytes (default 256 MiB). */
  memBytes?: number;
  /** Virtual CPUs (default 1). */
  cpus?: number;
  /** The kernel image (default the one `npm run build` made). */
  kernelPath?: string;
  /** Count VM exits (the result's stats). */
  stats?: boolean;
  /** Report the system calls the kernel refuses on purpose without a report (rseq) too. */
  strictAbi?: boolean;
  /** Called with one line per hypercall. */
  trace?: (line: string) => void;
  /** Called with one line per system call and hypercall, strace's format (--strace). */
  strace?: (line: string) => void;
  /** A host directory shown at /host (read-write); `shares` adds others. */
  share?: string;
  /** Host directories, each at its own guest path, read-only or not (--share HOST:GUEST:ro). */
  shares?: ShareMount[];
  /** A host tree copied into the RAM file system at boot. */
  preload?: string;
  /** The console's host side (default the process's own stdin, stdout and stderr). */
  streams?: HostStreams;
  /** Where the VMM's own messages go (default stderr). */
  log?: (line: string) => void;
  /** The key-value backend (default s3 on the embedded server); 'none': put and get fail with -1. */
  kv?: BackendChoice | 'none';
  /** True once the user interrupted the run (interrupt-signal.ts); the guest stops with status 130. */
  interrupted?: () => boolean;
  /** Host ports published to guest ports (--publish; parsePublish in net/publish.ts). */
  publish?: Publish[];
  /** No outbound connections (--net none). */
  netNone?: boolean;
  /** Stop before the first instruction and serve gdb on 127.0.0.1:gdbPort (vmm/debug/stub.ts). */
  gdbPort?: number;
}

export interface VmResult extends MachineResult {
  /** Most key-value requests the backend held at once (when the proxy ran). */
  peakInFlight?: number;
}

export const DEFAULT_MEM_BYTES = 256 * 1024 * 1024;
/** Request slots of the device channel: the requests in flight it holds before backpressure. */
const CHANNEL_SLOTS = 256;

/** Status when the key-value proxy's thread dies of an internal error. */
export const STATUS_PROXY_FAILED = 70;

/** Boots the guest and runs it to its exit; a refused start throws RefusedError (machine.ts). */
export async function runVm(options: VmOptions): Promise<VmResult> {
  const log = options.log ?? ((line: string) => fs.writeSync(2, `${line}\n`));
  const proxy = options.kv === 'none' ? undefined : new LazyProxy(options.kv ?? { backend: 's3' });
  try {
    const result = runMachine({
      kernelPath: options.kernelPath ?? KERNEL_ELF,
      appPath: options.appPath,
      args: options.args ?? [],
      env: options.env ?? [],
      memBytes: options.memBytes ?? DEFAULT_MEM_BYTES,
      cpus: options.cpus ?? 1,
      stats: options.stats,
      trace: options.trace,
      strace: options.strace,
      strictAbi: options.strictAbi,
      shares: [...(options.share === undefined ? [] : [{ host: options.share, guest: DEFAULT_GUEST_PATH, readOnly: false }]), ...(options.shares ?? [])],
      preload: options.preload,
      streams: options.streams ?? processStreams,
      log,
      kvChannel: proxy?.channel,
      kvFirstUse: proxy && (() => proxy.start()),
      interrupted: options.interrupted,
      publish: options.publish,
      netNone: options.netNone,
      gdbPort: options.gdbPort,
    });
    // Every acknowledged request is already stored; the backend closes cleanly.
    const peakInFlight = await proxy?.close();
    return { ...result, peakInFlight };
  } catch (e) {
    await proxy?.terminate();
    throw e;
  }
}

/** The proxy's thread, started on the guest's first key-value request. */
class LazyProxy {
  readonly channel = createChannel(CHANNEL_SLOTS, 1).sab;
  private worker: Worker | undefined;

  constructor(private readonly choice: BackendChoice) {}

  start(): void {
    // node:worker_threads loads here, not at the top: most guests never use the store,
    // and compiling the module would cost every start.
    const threads = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
    const data: ProxyThreadData = { channel: this.channel, options: this.choice };
    this.worker = new threads.Worker(PROXY_THREAD, { workerData: data });
    this.worker.on('error', (e) => {
      fs.writeSync(2, `unikv: internal error in the key-value proxy: ${e.stack ?? e}\n`);
      process.exit(STATUS_PROXY_FAILED);
    });
  }

  /** Lets the backend finish and close; the proxy's peak of requests in flight, if it ran. */
  async close(): Promise<number | undefined> {
    const worker = this.worker;
    if (!worker) return undefined;
    const report = new Promise<ProxyReport>((resolve) => worker.once('message', resolve));
    worker.postMessage({ kind: 'close' } satisfies ProxyCommand);
    return (await report).peakInFlight;
  }

  async terminate(): Promise<void> {
    await this.worker?.terminate();
  }
}
