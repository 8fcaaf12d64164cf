// --strace: one line per system call, as strace -f writes them. The vCPU reports
// each call where the program's `syscall` runs (entry) and where the kernel hands
// back the result (exit, the kernel's `syscall_exit`); calls are paired by thread id.
// A line waits until its call returns; when anything else must be written first (a
// call on another vCPU, a blocked thread's next neighbour) it is written as
// `read(0,  <unfinished ...>` and the end follows as `<... read resumed>"x", 10) = 1`.
// Hypercalls a call makes on its vCPU are written below its line, indented.
import type { GuestMemory } from '../guest-memory.js';
import { SYSCALL_NAME_BY_NUMBER } from '../generated/abi.js';
import { type CallArgs, entryArgs, exitArgs, neverReturns, returnsAddress } from './calls.js';
import { renderResult } from './errno.js';
import { signal } from './flags.js';
import { pointer } from './render.js';

interface Pending {
  tid: number;
  cpu: number;
  call: CallArgs;
  /** `name(args` as far as the entry knows them (with a trailing ", " when more follow at exit). */
  head: string;
  /** Already written as `<unfinished ...>`. */
  unfinished: boolean;
  /** Hypercall lines made during the call, written after its line. */
  hypercalls: string[];
}

const prefix = (tid: number, cpu: number) => `[tid ${tid} cpu ${cpu}] `;

/** Signals a fault raises: their siginfo carries the faulting address. */
const FAULT_SIGNALS = new Set([4, 5, 7, 8, 11]); // SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV
const SI_CODES: Record<number, string> = { 0: 'SI_USER', 128: 'SI_KERNEL', [-1]: 'SI_QUEUE', [-2]: 'SI_TIMER', [-6]: 'SI_TKILL' };
const SEGV_CODES: Record<number, string> = { 1: 'SEGV_MAPERR', 2: 'SEGV_ACCERR' };

function siCode(signo: number, code: number): string {
  if (signo === 11 && SEGV_CODES[code]) return SEGV_CODES[code];
  return SI_CODES[code] ?? String(code);
}

export class SyscallTracer {
  private readonly pending = new Map<number, Pending>();
  /** The latest call, not written yet (it may still complete on one line). */
  private open: Pending | undefined;

  constructor(
    private readonly mem: GuestMemory,
    private readonly write: (line: string) => void,
  ) {}

  /** The program executed `syscall` (number and the six argument registers). */
  entry(cpu: number, tid: number, number: bigint, args: bigint[]): void {
    this.closeOpen();
    const stale = this.pending.get(tid);
    if (stale) this.end(stale, '', '?'); // it never returned here (rt_sigreturn, a restart elsewhere)
    const n = Number(BigInt.asUintN(64, number));
    const name = n < SYSCALL_NAME_BY_NUMBER.length && SYSCALL_NAME_BY_NUMBER[n] ? SYSCALL_NAME_BY_NUMBER[n] : `syscall_${n}`;
    const call = { name, args };
    const { text, complete } = entryArgs(this.mem, call);
    const head = `${name}(${text}${!complete && text !== '' ? ', ' : ''}`;
    const rec: Pending = { tid, cpu, call, head, unfinished: false, hypercalls: [] };
    this.pending.set(tid, rec);
    this.open = rec;
    if (neverReturns(name)) this.end(rec, '', '?');
  }

  /** The kernel returns `result` to thread `tid`. */
  exit(cpu: number, tid: number, result: bigint): void {
    const rec = this.pending.get(tid);
    if (!rec) return; // a new thread's first return (clone's child)
    if (this.open !== rec) this.closeOpen();
    rec.cpu = cpu;
    this.end(rec, exitArgs(this.mem, rec.call, result), renderResult(result, returnsAddress(rec.call.name)));
  }

  /** A hypercall (already described) made on `cpu` by thread `tid`. */
  hypercall(cpu: number, tid: number, text: string): void {
    if (this.open && this.open.cpu === cpu && this.open.tid === tid) {
      this.open.hypercalls.push(text);
      return;
    }
    this.closeOpen();
    this.write(`${prefix(tid, cpu)}  hypercall ${text}`);
  }

  /** A signal goes to thread `tid`'s handler (`signo`, si_code, si_addr for faults). */
  signal(cpu: number, tid: number, signo: number, code: number, addr: bigint): void {
    this.closeOpen();
    const name = signal(BigInt(signo));
    const fault = FAULT_SIGNALS.has(signo) ? `, si_addr=${pointer(addr)}` : '';
    this.write(`${prefix(tid, cpu)}--- ${name} {si_signo=${name}, si_code=${siCode(signo, code)}${fault}} ---`);
  }

  /** A signal's default action ends the program (the last line then says so). */
  killedBy(signo: number): void {
    this.killer = signo;
  }

  /** The VM ended with `status`: calls that never returned end with `= ?`. */
  finish(status: number): void {
    if (this.open) this.end(this.open, '', '?');
    for (const rec of [...this.pending.values()]) this.end(rec, '', '?');
    this.write(this.killer === undefined ? `+++ exited with ${status} +++` : `+++ killed by ${signal(BigInt(this.killer))} +++`);
  }

  private killer: number | undefined;

  private end(rec: Pending, exitText: string, result: string): void {
    const p = prefix(rec.tid, rec.cpu);
    if (rec.unfinished) this.write(`${p}<... ${rec.call.name} resumed>${exitText}) = ${result}`);
    else this.write(`${p}${rec.head}${exitText}) = ${result}`);
    this.flushHypercalls(rec);
    this.pending.delete(rec.tid);
    if (this.open === rec) this.open = undefined;
  }

  /** Writes the open call as unfinished: something else comes before its end. */
  private closeOpen(): void {
    const rec = this.open;
    if (!rec) return;
    this.open = undefined;
    rec.unfinished = true;
    this.write(`${prefix(rec.tid, rec.cpu)}${rec.head} <unfinished ...>`);
    this.flushHypercalls(rec);
  }

  private flushHypercalls(rec: Pending): void {
    for (const text of rec.hypercalls) this.write(`${prefix(rec.tid, rec.cpu)}  hypercall ${text}`);
    rec.hypercalls.length = 0;
  }
}
