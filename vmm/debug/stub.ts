// The gdb stub: a debugger on 127.0.0.1:PORT stops and resumes the guest, one gdb
// thread per vCPU, all stopped together (all-stop). The VM loop calls between() at
// every turn; while the guest is stopped the stub serves the debugger there, on the
// emulation thread, and tells the loop how to go on (continue, or step one vCPU).
//
// How a stop stays exact on this engine (docs/debugging.md, "How it works"): while a
// debugger is attached every slice is counted, so the loop comes back to look at the
// socket (Ctrl-C) even when the guest spins, and a stop from a memory hook leaves RIP
// on the accessing instruction. Breakpoints are code hooks on one address (nothing is
// written into guest code). A watchpoint's hook stops the vCPU with the access done;
// the stub puts the old bytes back, runs that one instruction again with the
// watchpoints off, and reports the stop after it, as an x86 data breakpoint does.
import type { Vcpu } from '../cpu/vcpu.js';
import type { DebugPlan, LoopDebugger } from '../cpu/vm-loop.js';
import { HOOK, REG } from '../engine/unicorn.js';
import type { GuestMemory } from '../guest-memory.js';
import { CommandSet, type DebugTarget, type PointKind, type Resume } from './commands.js';
import { Attention } from './attention.js';
import { readVirtual, translate, writeVirtual } from './guest-pages.js';
import { bytesOf, framePacket, PacketReader, type PacketEvent } from './packets.js';
import { readRegister, writeRegister } from './registers.js';
import { type Connection, LoopbackListener } from './socket.js';

export { DebugPortError } from './socket.js';

/** Instructions in a slice while watchpoints are set (counted runs make their stops exact). */
const WATCHED_SLICE = 200_000;
/** How long one wait for the debugger lasts before the stub looks at the VMM's own Ctrl-C. */
const LOOK_MS = 250;
const SIGINT = 2;
const SIGTRAP = 5;
const UC_MEM_WRITE = 17;
/** The status of a guest the debugger killed, as a shell shows SIGKILL. */
export const STATUS_KILLED = 137;

interface Stop {
  cpu: number;
  signal: number;
  /** The stop reason's field (`swbreak:;`, `watch:ADDR;`). */
  reason?: string;
}

interface Watchpoint {
  kind: PointKind;
  address: bigint;
  length: number;
}

interface WatchHit {
  cpu: number;
  kind: PointKind;
  /** Where the access went (guest-physical) and the bytes there before it (writes only). */
  phys?: bigint;
  old?: Uint8Array;
  /** The address reported to gdb: inside the watched range. */
  reported: bigint;
}

export interface StubOptions {
  port: number;
  vcpus: Vcpu[];
  mem: GuestMemory;
  /** The program's load bias (qOffsets). */
  loadBias: bigint;
  /** The kernel's ELF file and the distance it was moved from its link address (for add-symbol-file). */
  kernel: { path: string; offset: bigint };
  /** True once the user interrupted the VMM (its own Ctrl-C): the stub stops waiting. */
  interrupted: () => boolean;
}

export class GdbStub implements LoopDebugger, DebugTarget {
  private connection: Connection | undefined;
  private reader = new PacketReader();
  private readonly commands = new CommandSet(this);
  private acks = true;
  /** Waiting for the first debugger: the guest has not run an instruction yet. */
  private firstWait = true;
  /** Why the guest is stopped (or will stop at the next turn); undefined while it runs. */
  private stop: Stop | undefined = { cpu: 0, signal: SIGTRAP };
  private stopReply = 'T05thread:01;';
  private readonly breakpoints = new Map<bigint, { hardware: boolean; remove: (() => void)[] }>();
  private readonly watchpoints = new Map<string, Watchpoint & { remove: (() => void)[] }>();
  /** Per vCPU: a breakpoint address to run through once (the one it resumes from). */
  private readonly skipAt: (bigint | undefined)[];
  private watchHit: WatchHit | undefined;
  private watchesOff = false;
  /** The debugger killed the guest (`k`): the loop ends and the VMM exits with STATUS_KILLED. */
  killed = false;

  /** Raised by input on the stub's sockets; stops the engines at their next block. */
  private readonly attention = new Attention();

  private constructor(
    private readonly listener: LoopbackListener,
    private readonly opts: StubOptions,
  ) {
    this.skipAt = opts.vcpus.map(() => undefined);
    for (const vcpu of opts.vcpus) this.attention.watch(vcpu.engine);
    this.attention.signalOnInput(listener.descriptor);
  }

  /** True while input from the debugger waits: the vCPU's run ends (Vcpu's `interrupted`) and the loop comes here. */
  get wantsAttention(): boolean {
    return this.attention.raised;
  }

  /** Listens on 127.0.0.1:port; a port that cannot be used throws DebugPortError. */
  static listen(opts: StubOptions): GdbStub {
    return new GdbStub(LoopbackListener.open(opts.port), opts);
  }

  /** The port the stub listens on. */
  get port(): number {
    return this.listener.port;
  }

  // --- LoopDebugger ------------------------------------------------------------------

  between(lastCpu: number): DebugPlan {
    this.attention.clear();
    if (this.firstWait) {
      this.firstWait = false;
      if (!this.waitForDebugger()) return { instructions: 0 };
    }
    if (this.connection) this.look(lastCpu);
    if (!this.connection && !this.attach(lastCpu)) return { instructions: 0 };
    if (this.watchHit) this.finishWatchHit(this.watchHit);
    if (!this.stop || !this.connection) return this.running();
    return this.serve();
  }

  stepped(cpu: number): void {
    this.stop ??= { cpu, signal: SIGTRAP };
  }

  /** The guest ended with `status`: the debugger hears of it and the stub closes. */
  exited(status: number): void {
    if (this.connection && !this.killed) this.send(`W${(status & 0xff).toString(16).padStart(2, '0')}`);
    this.connection?.close();
    this.connection = undefined;
    this.listener.close();
  }

  // --- DebugTarget -------------------------------------------------------------------

  cpuCount(): number {
    return this.opts.vcpus.length;
  }

  describe(cpu: number): string {
    // The VMM starts an application processor when the kernel asks (sched/smp.asm); until then it has no state.
    return this.opts.vcpus[cpu].engine.read(REG.CR0) === 0n ? `vCPU ${cpu}, not started` : `vCPU ${cpu}`;
  }

  readRegister(cpu: number, regnum: number): Uint8Array {
    return readRegister(this.opts.vcpus[cpu].engine, regnum);
  }

  writeRegister(cpu: number, regnum: number, bytes: Uint8Array): boolean {
    return writeRegister(this.opts.vcpus[cpu].engine, regnum, bytes);
  }

  readMemory(cpu: number, address: bigint, length: number): Uint8Array | undefined {
    return readVirtual(this.opts.mem, this.pageTables(cpu), address, length);
  }

  writeMemory(cpu: number, address: bigint, data: Uint8Array): boolean {
    const written = writeVirtual(this.opts.mem, this.pageTables(cpu), address, data);
    // The bytes may be code the engines translated already.
    for (const { phys, length } of written ?? []) {
      for (const vcpu of this.opts.vcpus) vcpu.engine.invalidateTranslations(phys, phys + BigInt(length));
    }
    return written !== undefined;
  }

  setPoint(kind: PointKind, address: bigint, length: number, insert: boolean): boolean {
    return kind <= 1 ? this.setBreakpoint(address, kind === 1, insert) : this.setWatchpoint(kind, address, length, insert);
  }

  loadBias(): bigint {
    return this.opts.loadBias;
  }

  // --- connection ---------------------------------------------------------------------

  /** Blocks until a debugger connects (or the VMM is interrupted: false). */
  private waitForDebugger(): boolean {
    while (!this.opts.interrupted()) {
      const connection = this.listener.accept(LOOK_MS);
      if (connection) {
        this.connect(connection);
        return true;
      }
    }
    return false;
  }

  private connect(connection: Connection): void {
    this.connection = connection;
    this.attention.signalOnInput(connection.descriptor);
  }

  /** A debugger that connects while the guest runs (after another one left) stops it. */
  private attach(lastCpu: number): boolean {
    const connection = this.listener.accept(0);
    if (!connection) return false;
    this.connect(connection);
    this.stop = { cpu: lastCpu, signal: SIGTRAP };
    this.firstStopPending = true;
    return true;
  }

  /**
   * Reads what the debugger sent while the guest ran: Ctrl-C stops it; packets wait
   * for the stop (in all-stop mode gdb sends none while the guest runs, but a client
   * may send its first command before the stub has looked).
   */
  private look(lastCpu: number): void {
    this.attention.clear(); // before reading: bytes arriving after the read raise it again
    const bytes = this.connection?.read(0);
    if (bytes === undefined) {
      this.letGo();
      return;
    }
    for (const event of this.reader.feed(bytes)) {
      if (event.kind === 'interrupt') this.stop ??= { cpu: lastCpu, signal: SIGINT };
      else this.queued.push(event);
    }
  }

  /** Events read while the guest ran, served at the next stop. */
  private queued: PacketEvent[] = [];

  /** Serves the debugger while the guest is stopped, until a command resumes it. */
  private serve(): DebugPlan {
    const stop = this.stop as Stop;
    this.stopReply = `T${stop.signal.toString(16).padStart(2, '0')}thread:${(stop.cpu + 1).toString(16)};${stop.reason ?? ''}`;
    this.commands.focus(stop.cpu);
    // The first stop is answered when gdb asks (`?`); later ones are announced.
    if (!this.firstStopPending) this.send(this.stopReply);
    this.firstStopPending = false;
    while (this.connection && !this.opts.interrupted()) {
      const bytes = this.queued.length > 0 ? new Uint8Array(0) : this.connection.read(LOOK_MS);
      if (bytes === undefined) break;
      const events = [...this.queued, ...this.reader.feed(bytes)];
      this.queued = [];
      for (const [i, event] of events.entries()) {
        if (event.kind === 'bad-checksum') this.ack('-');
        else if (event.kind === 'too-long') this.send('E01');
        else if (event.kind === 'packet') {
          const resume = this.handle(event.payload);
          if (resume) {
            this.queued = events.slice(i + 1);
            return this.resume(resume);
          }
        }
      }
    }
    this.letGo();
    return this.running();
  }

  private firstStopPending = true;

  /** Answers one packet; a command that resumes the guest is returned, not run. */
  private handle(payload: Uint8Array): Resume | undefined {
    this.ack('+');
    const answer = this.commands.answer(payload, this.stopReply);
    if (answer.reply) this.sendBytes(answer.reply, answer.encodable);
    if (answer.noAck) this.acks = false;
    return answer.resume;
  }

  private resume(resume: Resume): DebugPlan {
    this.stop = undefined;
    // The packets just read raised attention; left set, it would stop the run before its first instruction.
    this.attention.clear();
    // Input that came with the command (a debugger that continues and closes) keeps it raised.
    if (this.connection?.pending()) this.attention.raise();
    if (resume.kind === 'kill') {
      this.killed = true;
      this.letGo();
      return { instructions: 0 };
    }
    if (resume.kind === 'detach') {
      this.letGo();
      return { instructions: 0 };
    }
    // A vCPU resuming on a breakpoint runs through it once.
    this.opts.vcpus.forEach((vcpu, cpu) => {
      const rip = vcpu.engine.read(REG.RIP);
      this.skipAt[cpu] = this.breakpoints.has(rip) ? rip : undefined;
    });
    if (resume.kind === 'step') {
      this.opts.vcpus[resume.cpu].engine.dropTranslations(); // blocks translated uncounted would run past the count
      return { instructions: 1, step: resume.cpu };
    }
    return this.running();
  }

  /** Uncounted (Ctrl-C comes through attention), unless watchpoints need exact stops. */
  private running(): DebugPlan {
    return { instructions: this.connection && this.watchpoints.size > 0 ? WATCHED_SLICE : 0 };
  }

  /** The debugger is gone (detach, kill, or a closed connection): every point goes, the guest runs on at full speed. */
  private letGo(): void {
    for (const address of [...this.breakpoints.keys()]) this.setBreakpoint(address, false, false);
    for (const w of [...this.watchpoints.values()]) this.setWatchpoint(w.kind, w.address, w.length, false);
    this.connection?.close();
    this.connection = undefined;
    this.stop = undefined;
    this.watchHit = undefined;
    this.reader = new PacketReader();
    this.queued = [];
    this.acks = true;
  }

  private ack(c: '+' | '-'): void {
    if (this.acks) this.connection?.write(bytesOf(c));
  }

  private send(reply: string): void {
    this.sendBytes(bytesOf(reply), false);
  }

  private sendBytes(reply: Uint8Array, encodable = false): void {
    if (this.connection && !this.connection.write(framePacket(reply, encodable))) this.connection = undefined;
  }

  // --- break- and watchpoints ---------------------------------------------------------

  private setBreakpoint(address: bigint, hardware: boolean, insert: boolean): boolean {
    const existing = this.breakpoints.get(address);
    if (!insert) {
      if (!existing) return true;
      for (const remove of existing.remove) remove();
      this.breakpoints.delete(address);
      return true;
    }
    if (existing) return true;
    const remove = this.opts.vcpus.map((vcpu, cpu) => vcpu.engine.onCode(address, address, (at) => this.breakpointHit(cpu, at)));
    this.breakpoints.set(address, { hardware, remove });
    return true;
  }

  private breakpointHit(cpu: number, address: bigint): void {
    if (this.skipAt[cpu] === address) {
      this.skipAt[cpu] = undefined;
      return;
    }
    const point = this.breakpoints.get(address);
    if (!point || this.stop) return;
    this.stop = { cpu, signal: SIGTRAP, reason: point.hardware ? 'hwbreak:;' : 'swbreak:;' };
    this.opts.vcpus[cpu].requestStop();
  }

  private setWatchpoint(kind: PointKind, address: bigint, length: number, insert: boolean): boolean {
    const key = `${kind}:${address}:${length}`;
    const existing = this.watchpoints.get(key);
    if (!insert) {
      for (const remove of existing?.remove ?? []) remove();
      this.watchpoints.delete(key);
      return true;
    }
    if (existing) return true;
    const end = address + BigInt(length) - 1n;
    if (end < address || end > 0xffff_ffff_ffff_ffffn) return false;
    const type = kind === 2 ? HOOK.MEM_WRITE : kind === 3 ? HOOK.MEM_READ : HOOK.MEM_READ | HOOK.MEM_WRITE;
    // Watched runs are counted: blocks translated uncounted would make the hooks' stops inexact.
    for (const vcpu of this.opts.vcpus) vcpu.engine.dropTranslations();
    const remove = this.opts.vcpus.map((vcpu, cpu) =>
      vcpu.engine.onMemoryAccess(type, address, end, (access, at, size) => this.watchpointHit(cpu, kind, access, at, size)),
    );
    this.watchpoints.set(key, { kind, address, length, remove });
    return true;
  }

  /** A watched access, before it is done: the vCPU stops with RIP on the instruction (counted runs). */
  private watchpointHit(cpu: number, kind: PointKind, access: number, address: bigint, size: number): void {
    if (this.watchesOff || this.watchHit || this.stop) return;
    const watch = [...this.watchpoints.values()].find((w) => w.kind === kind && address < w.address + BigInt(w.length) && w.address < address + BigInt(size));
    const reported = watch && watch.address > address ? watch.address : address;
    let phys: bigint | undefined;
    let old: Uint8Array | undefined;
    if (access === UC_MEM_WRITE) {
      phys = translate(this.opts.mem, this.pageTables(cpu), address);
      if (phys !== undefined && this.opts.mem.contains(phys, size)) old = this.opts.mem.copyOut(phys, size);
    }
    this.watchHit = { cpu, kind, phys, old, reported };
    this.opts.vcpus[cpu].requestStop();
  }

  /** Undoes the watched access and runs its instruction once more, whole, then stops after it. */
  private finishWatchHit(hit: WatchHit): void {
    this.watchHit = undefined;
    if (hit.old && hit.phys !== undefined) this.opts.mem.copyIn(hit.phys, hit.old);
    const vcpu = this.opts.vcpus[hit.cpu];
    const rip = vcpu.engine.read(REG.RIP);
    this.skipAt[hit.cpu] = this.breakpoints.has(rip) ? rip : undefined;
    this.watchesOff = true;
    try {
      vcpu.run(undefined, 1);
    } finally {
      this.watchesOff = false;
    }
    const name = hit.kind === 2 ? 'watch' : hit.kind === 3 ? 'rwatch' : 'awatch';
    this.stop = { cpu: hit.cpu, signal: SIGTRAP, reason: `${name}:${hit.reported.toString(16)};` };
  }

  /** The page tables a vCPU uses (one that has not started yet: the boot processor's). */
  private pageTables(cpu: number): bigint {
    const cr3 = this.opts.vcpus[cpu].engine.read(REG.CR3);
    return cr3 !== 0n ? cr3 : this.opts.vcpus[0].engine.read(REG.CR3);
  }
}
