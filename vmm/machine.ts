// A whole virtual machine: guest RAM, the kernel and application images, the port
// bus with its devices, and the vCPUs. runMachine() returns the guest's exit status;
// vm.ts adds the key-value proxy around it.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { MEM, MISC, PORT } from './generated/abi.js';
import { GuestMemory } from './guest-memory.js';
import { allocateGuestMemory } from './native-memory.js';
import { ElfError, loadElf, parseElf, rebaseElf, relocateElf, type ElfImage, type Region } from './elf.js';
import { PortBus } from './port-bus.js';
import { ExitStats } from './stats.js';
import { writeBootGdt, writePageTables } from './boot/long-mode.js';
import { argumentArea, BootInfoError, writeBootInfo } from './boot/boot-info.js';
import { Vcpu } from './cpu/vcpu.js';
import { applyEngineFixes } from './engine/libunicorn-fixes.js';
import { VmLoop } from './cpu/vm-loop.js';
import { ipiDevice, timerDevice } from './ports/interrupt-controller.js';
import { kvDevice, type KvTransport } from './ports/kv.js';
import { ChannelTransport } from './kv/channel-transport.js';
import type { DeviceContext, HostStreams } from './ports/device.js';
import { registerFileDevices } from './ports/host-files.js';
import { prepareFiles } from './files/preload.js';
import type { ShareMount } from './host-share/mounts.js';
import { exitDevice, panicDevice } from './ports/exit.js';
import { clockDevice } from './ports/clock.js';
import { randomDevice } from './ports/random.js';
import { nopDevice } from './ports/nop.js';
import { copyDevice } from './ports/copy.js';
import { fillDevice } from './ports/fill.js';
import { codeChangedDevice } from './ports/code-changed.js';
import { STATUS_INTERRUPTED, stopOnInterrupt } from './interrupt-signal.js';
import { readSymbols, type SymbolTable } from './elf-symbols.js';
import { type CodeImage, crashPlaces, type FaultContext } from './crash-places.js';
import { REG } from './engine/unicorn.js';
import { kernelLayout } from './strace/kernel-layout.js';
import { SyscallTracer } from './strace/tracer.js';
import { netDevice } from './ports/net.js';
import { SocketTable } from './net/stack.js';
import { combineIo } from './net/io.js';
import type { Publish } from '../channel/net-messages.js';
import { DebugPortError, GdbStub, STATUS_KILLED, type StubOptions } from './debug/stub.js';

/** The program's environment when the user gives none (no --env): a home and a search path, as a login shell would set. */
export const DEFAULT_ENV = ['HOME=/', 'PATH=/usr/local/bin:/usr/bin:/bin'];

export interface MachineConfig {
  kernelPath: string;
  appPath: string;
  /** argv[1..] for the program (argv[0] is the image's file name). */
  args: string[];
  env: string[];
  memBytes: number;
  cpus: number;
  streams: HostStreams;
  stats?: boolean;
  trace?: (line: string) => void;
  /** --strace: one line per system call (and hypercall), strace's format. */
  strace?: (line: string) => void;
  /** --strict-abi: BOOT_FLAG_STRICT_ABI. */
  strictAbi?: boolean;
  /** --share: host directories and where the guest sees them (vmm/host-share/mounts.ts). */
  shares?: ShareMount[];
  /** --preload: host tree copied into the RAM file system at boot (vmm/files/preload.ts). */
  preload?: string;
  /** Where the VMM's own messages go (stderr in the CLI). */
  log: (line: string) => void;
  /** The device channel to the key-value proxy (channel/); without it put/get fail with -1. */
  kvChannel?: SharedArrayBuffer;
  /** Called once, before the guest's first key-value request (the proxy may start then). */
  kvFirstUse?: () => void;
  /** True once the user interrupted the run (Ctrl-C: interrupt-signal.ts); the guest then stops with status 130. */
  interrupted?: () => boolean;
  /** --publish: host ports whose connections go to guest listeners. */
  publish?: Publish[];
  /** --net none: no outbound connections (ENETUNREACH). */
  netNone?: boolean;
  /** Stop before the first instruction and serve gdb on 127.0.0.1:gdbPort (0: any free port). */
  gdbPort?: number;
}

export interface MachineResult {
  status: number;
  stats?: ExitStats;
  /** The run ended because `interrupted` said so. */
  interrupted?: boolean;
}

/** Unclaimed ports named one by one before the rest are only counted. */
const UNCLAIMED_NAMED = 8;

/** The VMM refuses to start: the CLI prints the message and exits with 125. */
export class RefusedError extends Error {}

/** Status when the guest dies in a way its kernel could not report (triple fault, halt forever). */
export const STATUS_GUEST_CRASH = 134;

function readImage(file: string, what: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : err.code === 'EACCES' ? 'permission denied' : err.message;
    throw new RefusedError(`cannot read ${what} ${file}: ${why}`);
  }
}

function parse(file: Uint8Array, name: string): ElfImage {
  try {
    return parseElf(file, name);
  } catch (e) {
    if (e instanceof ElfError) throw new RefusedError(e.message);
    throw e;
  }
}

/** Loads an image into the machine's new (all-zero) RAM; a bad image is refused. */
function load(image: ElfImage, file: Uint8Array, mem: GuestMemory, occupied: Region[], name: string): Region[] {
  try {
    return loadElf(image, file, mem, occupied, name, true);
  } catch (e) {
    if (e instanceof ElfError) throw new RefusedError(e.message);
    throw e;
  }
}

const pageUp = (v: bigint) => (v + 0xfffn) & ~0xfffn;
const MiB = 0x100000n;
const hex = (v: bigint) => `0x${v.toString(16)}`;
/** p_flags: an executable segment. */
const PF_X = 1;

/**
 * Where the kernel goes: moved up from its link address by whole MiB, as high as
 * RAM (and KERNEL_TOP) allows, with the argument area right below it; the program
 * keeps everything from APP_BASE_MIN up to there. Returns the distance moved.
 */
function placeKernel(kernel: ElfImage, kernelName: string, ramSize: bigint, argsBytes: bigint): bigint {
  const top = ramSize < BigInt(MEM.KERNEL_TOP) ? ramSize : BigInt(MEM.KERNEL_TOP);
  const end = pageUp(kernel.highest);
  if (kernel.pie || end > top) throw new RefusedError(`${kernelName}: not a kernel image linked at 0x${MEM.KERNEL_BASE.toString(16)}`);
  const delta = ((top - end) / MiB) * MiB;
  if (kernel.lowest + delta < BigInt(MEM.BOOT_AREA_END) + argsBytes) throw new RefusedError(`${kernelName}: the kernel does not fit in guest RAM`);
  return delta;
}

/** The bias that puts a static PIE at APP_PIE_BASE (a multiple of its segments' alignment). */
function pieBias(app: ElfImage): bigint {
  const base = BigInt(MEM.APP_PIE_BASE);
  const low = app.lowest - (app.lowest % app.align);
  return ((base + app.align - 1n) / app.align) * app.align - low;
}

export function runMachine(cfg: MachineConfig): MachineResult {
  const kernelFile = readImage(cfg.kernelPath, 'kernel');
  const appFile = readImage(cfg.appPath, 'image');
  const kernelName = path.basename(cfg.kernelPath);
  const appName = path.basename(cfg.appPath);
  const linkedKernel = parse(kernelFile, kernelName);
  const parsedApp = parse(appFile, appName);
  const app = parsedApp.pie ? rebaseElf(parsedApp, pieBias(parsedApp)) : parsedApp;
  const argv = [appName, ...cfg.args];
  let argsBytes: bigint;
  try {
    argsBytes = BigInt(argumentArea(argv, cfg.env));
  } catch (e) {
    if (e instanceof BootInfoError) throw new RefusedError(e.message);
    throw e;
  }

  const mem = new GuestMemory(allocateGuestMemory(MEM.RESERVE_END), cfg.memBytes);
  const delta = placeKernel(linkedKernel, kernelName, BigInt(cfg.memBytes), argsBytes);
  const kernel = rebaseElf(linkedKernel, delta);
  const kernelStart = kernel.lowest - (kernel.lowest % 0x1000n);
  const kernelEnd = pageUp(kernel.highest);
  const argsAddr = kernelStart - argsBytes;
  const vmmArea: Region = { start: 0n, end: BigInt(MEM.BOOT_AREA_END), name: "the VMM's boot area" };
  const kernelArea: Region = { start: argsAddr, end: kernelEnd, name: "the kernel's area" };
  load(kernel, kernelFile, mem, [vmmArea], kernelName);
  try {
    relocateElf(kernelFile, kernel, mem, delta, kernelName);
  } catch (e) {
    if (e instanceof ElfError) throw new RefusedError(e.message);
    throw e;
  }
  load(app, appFile, mem, [vmmArea, kernelArea], appName);
  if (app.phdrAddr === undefined) throw new RefusedError(`${appName}: its program headers are not inside a loaded segment (AT_PHDR would be unknown)`);
  if (cfg.trace) {
    cfg.trace(`load: kernel [${hex(kernelStart)}-${hex(kernelEnd)}) moved by ${hex(delta)}, arguments at ${hex(argsAddr)}`);
    cfg.trace(`load: ${appName} [${hex(app.lowest)}-${hex(app.highest)})${parsedApp.pie ? ' (static PIE)' : ''}, entry ${hex(app.entry)}`);
  }

  writePageTables(mem);
  writeBootGdt(mem);
  try {
    writeBootInfo(mem, {
      cpuCount: cfg.cpus,
      kernelStart,
      kernelEnd,
      argsAddr,
      appStart: app.lowest,
      appEnd: pageUp(app.highest),
      appEntry: app.entry,
      appPhdr: app.phdrAddr,
      appPhnum: app.phnum,
      appPhent: app.phentsize,
      argv,
      env: cfg.env.length > 0 ? cfg.env : DEFAULT_ENV,
      random: randomBytes(16),
      flags: cfg.strictAbi ? MISC.BOOT_FLAG_STRICT_ABI : 0,
    });
  } catch (e) {
    if (e instanceof BootInfoError) throw new RefusedError(e.message);
    throw e;
  }

  const files = prepareFiles(mem, { shares: cfg.shares ?? [], preload: cfg.preload, appEnd: pageUp(app.highest), top: argsAddr });
  if (typeof files === 'string') throw new RefusedError(files);

  // Symbol tables are read only when something needs them (a crash, --strace): most runs never do.
  let symbols: { kernel: SymbolTable; images: CodeImage[] } | undefined;
  const symbolTables = () => {
    if (symbols) return symbols;
    const kernelSymbols = readSymbols(kernelFile, delta);
    const codeOf = (image: ElfImage) => image.segments.filter((s) => (s.flags & PF_X) !== 0).map((s) => ({ start: s.vaddr, end: s.vaddr + s.memsz }));
    const appSymbols = readSymbols(appFile, app.lowest - parsedApp.lowest);
    symbols = {
      kernel: kernelSymbols,
      images: [
        { name: 'program', symbols: appSymbols, code: codeOf(app), outermost: appSymbols.placeOf(app.entry)?.symbol },
        { name: 'kernel', symbols: kernelSymbols, code: codeOf(kernel) },
      ],
    };
    return symbols;
  };
  const places = (ctx: FaultContext) => crashPlaces(mem, symbolTables().images, ctx);

  const stats = cfg.stats ? new ExitStats() : undefined;
  const bus = new PortBus();
  let status: number | undefined;
  const interrupted = cfg.interrupted ?? (() => false);
  let loop: VmLoop | undefined;
  const ctx: DeviceContext = {
    // Devices refuse the VMM's boot area (BootInfo, GDT, page tables): the kernel never
    // hands them a block or a buffer there, so one there is a hostile program's.
    mem: mem.above(MEM.BOOT_AREA_END),
    streams: cfg.streams,
    exit(code, reason) {
      if (reason === 'panic' && status === undefined && loop) {
        for (const line of panicPlaces(vcpus[loop.currentCpu()], mem, symbolTables)) cfg.log(line);
      }
      status ??= code;
      loop?.stopCurrent();
    },
  };
  registerFileDevices(bus, ctx, files.share); // console on WRITE/READ; the shares' ports with --share
  bus.register(PORT.EXIT, 1, exitDevice(ctx));
  bus.register(PORT.PANIC, 1, panicDevice(ctx));
  bus.register(PORT.CLOCK, 1, clockDevice(ctx));
  bus.register(PORT.RANDOM, 1, randomDevice(ctx));
  bus.register(PORT.NOP, 1, nopDevice());
  bus.register(PORT.COPY, 1, copyDevice(ctx));
  bus.register(PORT.FILL, 1, fillDevice(ctx));
  const reported = new Set<number>();
  // The first few ports by name; the rest are counted and summed up once at the end
  // (a guest touching every port must not print 65,000 lines). --stats counts them all.
  let unreported = 0;
  bus.onUnclaimed = (port, kind) => {
    stats?.count('unclaimed-port');
    if (reported.has(port)) return;
    reported.add(port);
    if (reported.size > UNCLAIMED_NAMED) {
      unreported++;
      return;
    }
    cfg.log(`unikv: guest ${kind === 'write' ? 'wrote to' : 'read from'} unclaimed port 0x${port.toString(16)} (ignored; reported once)`);
  };
  const summarize = () => {
    if (unreported > 0) cfg.log(`unikv: guest touched ${unreported} more unclaimed ports (ignored; not named one by one)`);
  };

  let strace: { tracer: SyscallTracer; layout: Exclude<ReturnType<typeof kernelLayout>, string> } | undefined;
  if (cfg.strace) {
    const layout = kernelLayout(readSymbols(kernelFile, delta));
    if (typeof layout === 'string') throw new RefusedError(`--strace: ${layout}`);
    strace = { tracer: new SyscallTracer(mem, cfg.strace), layout };
  }

  // libunicorn's fixes go in before any engine exists; unrecognised builds get a warning line.
  const engineFixes = applyEngineFixes(cfg.log);
  stats?.setEngine(engineFixes);
  // Every vCPU maps the same RAM; they take turns on this thread (see cpu/vm-loop.ts).
  // With --gdb a vCPU's run also ends when the debugger sends something (debug/attention.ts).
  let stub: GdbStub | undefined;
  const stopRun = cfg.gdbPort === undefined ? cfg.interrupted : () => cfg.interrupted?.() === true || stub?.wantsAttention === true;
  const vcpus = Array.from({ length: cfg.cpus }, (_, id) => new Vcpu(id, { mem, bus, stats, trace: cfg.trace, strace, places, interrupted: stopRun }));
  stub =
    cfg.gdbPort === undefined
      ? undefined
      : listenForDebugger(cfg, {
          vcpus,
          mem,
          loadBias: app.entry - parsedApp.entry,
          kernel: { path: path.resolve(cfg.kernelPath), offset: delta },
          interrupted,
        });
  if (cfg.interrupted) stopOnInterrupt(vcpus.map((vcpu) => vcpu.engine.handle));
  const transport = cfg.kvChannel ? new ChannelTransport(cfg.kvChannel, cfg.kvFirstUse) : undefined;
  const sockets = new SocketTable({ publish: cfg.publish ?? [], outbound: !cfg.netNone });
  const refused = sockets.start();
  if (refused) {
    sockets.stop();
    throw new RefusedError(refused);
  }
  const io = combineIo(transport, sockets);
  const finished = () => status !== undefined || interrupted() || stub?.killed === true;
  loop = new VmLoop({ vcpus, mem, kernelEntry: kernel.entry, stats, finished, io, debug: stub });
  bus.register(PORT.NET, 1, netDevice(ctx, sockets, loop));
  const kv: KvTransport = transport ?? { submit: (_request, done) => done(-1, new Uint8Array(0)) };
  bus.register(PORT.KV_PUT, 1, kvDevice(ctx, timedKv(kv, stats, PORT.KV_PUT), loop, PORT.KV_PUT));
  bus.register(PORT.KV_GET, 1, kvDevice(ctx, timedKv(kv, stats, PORT.KV_GET), loop, PORT.KV_GET));
  bus.register(PORT.TIMER, 1, timerDevice(ctx, loop));
  bus.register(PORT.IPI, 1, ipiDevice(loop));
  bus.register(
    PORT.CODE_CHANGED,
    1,
    codeChangedDevice(ctx, {
      invalidate: (start, end) => {
        for (const vcpu of vcpus) vcpu.engine.invalidateTranslations(start, end);
      },
    }),
  );
  let outcome: ReturnType<VmLoop['run']>;
  try {
    outcome = loop.run();
  } finally {
    if (cfg.interrupted) stopOnInterrupt([]);
    sockets.stop();
  }
  summarize();
  for (const vcpu of vcpus) {
    const counts = vcpu.syscallsByNumber;
    if (counts) stats?.countSyscalls(counts);
  }
  const result = ending(outcome, status, interrupted(), stub?.killed === true, stats, cfg.log);
  strace?.tracer.finish(result.status);
  stub?.exited(result.status);
  return result;
}

/** With --stats, a transport that also times each request from submit to its answer. */
function timedKv(kv: KvTransport, stats: ExitStats | undefined, port: number): KvTransport {
  if (!stats) return kv;
  return {
    submit(request, done) {
      const since = stats.clock();
      kv.submit(request, (status, value) => {
        stats.recordKvRoundTrip(port, Number(stats.clock() - since));
        done(status, value);
      });
    },
  };
}

/**
 * After the kernel's exception report: the faulting function and its callers. The
 * kernel writes PANIC from exception_common with RBX at the ExcFrame it reported
 * (arch/exceptions.asm); any other PANIC (the kernel refusing to start) has no frame.
 */
function panicPlaces(vcpu: Vcpu, mem: GuestMemory, tables: () => { kernel: SymbolTable; images: CodeImage[] }): string[] {
  const { kernel, images } = tables();
  const engine = vcpu.engine;
  const from = kernel.placeOf(engine.read(REG.RIP));
  const at = (field: string) => kernel.constant(`ExcFrame.${field}`);
  const rip = at('rip');
  const rsp = at('rsp');
  const rbp = at('rbp');
  if (from?.symbol !== 'exception_common' || rip === undefined || rsp === undefined || rbp === undefined) return [];
  const frame = engine.read(REG.RBX);
  if (![rip, rsp, rbp].every((offset) => mem.contains(frame + offset, 8))) return [];
  return crashPlaces(mem, images, { rip: mem.readU64(frame + rip), rsp: mem.readU64(frame + rsp), rbp: mem.readU64(frame + rbp) });
}

/** The run's result, with the VMM's line for a guest that could not say why it died. */
function ending(
  outcome: ReturnType<VmLoop['run']>,
  status: number | undefined,
  interrupted: boolean,
  killed: boolean,
  stats: ExitStats | undefined,
  log: (line: string) => void,
): MachineResult {
  if (status !== undefined) return { status, stats };
  if (interrupted) return { status: STATUS_INTERRUPTED, stats, interrupted: true };
  if (killed) {
    log('unikv: the debugger killed the guest');
    return { status: STATUS_KILLED, stats };
  }
  if (outcome.kind === 'crashed') {
    log(outcome.report.trimEnd());
    return { status: STATUS_GUEST_CRASH, stats };
  }
  log('unikv: every vCPU halted with nothing left that could wake one (the guest is stuck)');
  return { status: STATUS_GUEST_CRASH, stats };
}

/** --gdb: the stub listens before the guest runs; a port it cannot use refuses the start. */
function listenForDebugger(cfg: MachineConfig, machine: Omit<StubOptions, 'port'>): GdbStub {
  let stub: GdbStub;
  try {
    stub = GdbStub.listen({ ...machine, port: cfg.gdbPort ?? 0 });
  } catch (e) {
    if (e instanceof DebugPortError) throw new RefusedError(e.message);
    throw e;
  }
  cfg.log(`unikv: gdb: waiting for a debugger on 127.0.0.1:${stub.port} (target remote :${stub.port})`);
  cfg.log(`unikv: gdb: the kernel's symbols: add-symbol-file ${machine.kernel.path} -o ${hex(machine.kernel.offset)}`);
  return stub;
}
