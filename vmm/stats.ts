// VM-exit statistics (--stats): how often the guest left the engine for the VMM,
// by kind and by port, and how long the run took.
import { PORT_NAMES } from './generated/abi.js';
import type { EngineFixReport } from './engine/libunicorn-fixes.js';
import { exceptionStateState } from './engine/exception-state.js';
import { SYSCALL_NAME_BY_NUMBER } from './generated/abi.js';
import { LatencyHistogram, type LatencySummary } from './latency-histogram.js';

/** Where the VMM's own time goes, by kind of exit (measured only with --stats): 'idle' is the loop asleep with every vCPU halted. */
export type TimedKind = 'hypercall' | 'syscall-slow' | 'exception' | 'interrupt' | 'idle';

const now = () => process.hrtime.bigint();

/** A system call's name by number; the last counter of the hook's table stands for every larger number. */
function callName(n: number, last: number): string {
  if (n === last) return `${n} and above`;
  return SYSCALL_NAME_BY_NUMBER[n] || `syscall_${n}`;
}

/**
 * 'syscall' counts every system call (each leaves the translated code for the
 * engine's hook); 'syscall-slow' those the machine-code hook handed to JavaScript
 * (engine/syscall-fast-path.ts).
 */
export type ExitKind = 'hypercall' | 'syscall' | 'syscall-slow' | 'exception' | 'interrupt' | 'halt' | 'unclaimed-port' | 'code-changed';

export class ExitStats {
  readonly byKind = new Map<ExitKind, number>();
  readonly byPort = new Map<number, number>();
  private readonly started = process.hrtime.bigint();
  /** What became of the engine's fixes (engine/libunicorn-fixes.ts). */
  private engine: EngineFixReport | undefined;
  /** System calls by number (the machine-code hook's counters, or JavaScript's). */
  private readonly calls = new Map<number, number>();
  private callsLast = -1;
  private readonly timeByKind = new Map<TimedKind, LatencyHistogram>();
  /** How long the VMM took to handle each hypercall, by port. */
  private readonly handling = new Map<number, LatencyHistogram>();
  /** Key-value requests from the device's submit to the answer (the proxy's round trip), by port. */
  private readonly kvRoundTrip = new Map<number, LatencyHistogram>();

  /** Starts a measurement: pass the result to time() or timeHypercall(). */
  readonly clock = now;

  /** Adds the time since `since` (a clock() reading) to `kind`. */
  time(kind: TimedKind, since: bigint): void {
    histogram(this.timeByKind, kind).record(Number(now() - since));
  }

  /** A hypercall handled in the time since `since`: its port's figures and the 'hypercall' kind. */
  timeHypercall(port: number, since: bigint): void {
    const ns = Number(now() - since);
    histogram(this.handling, port).record(ns);
    histogram(this.timeByKind, 'hypercall').record(ns);
  }

  /** A key-value request's round trip, from submit to the answer, in ns. */
  recordKvRoundTrip(port: number, ns: number): void {
    histogram(this.kvRoundTrip, port).record(ns);
  }

  /** Adds a table of counters by call number (index = number; the last also stands for every larger number). */
  countSyscalls(table: ArrayLike<bigint | number>): void {
    this.callsLast = table.length - 1;
    for (let n = 0; n < table.length; n++) {
      const c = Number(table[n]);
      if (c !== 0) this.calls.set(n, (this.calls.get(n) ?? 0) + c);
    }
  }

  /** One call of number `n`, counted in JavaScript. */
  countSyscall(n: number): void {
    this.calls.set(n, (this.calls.get(n) ?? 0) + 1);
  }

  /** Calls by name, most frequent first. */
  private callsByName(): [string, number][] {
    const byName = new Map<string, number>();
    for (const [n, c] of this.calls) {
      const name = callName(n, this.callsLast);
      byName.set(name, (byName.get(name) ?? 0) + c);
    }
    return [...byName].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  }

  private latencies(): LatencyRow[] {
    const rows: LatencyRow[] = [];
    for (const [port, h] of [...this.kvRoundTrip].sort((a, b) => a[0] - b[0]))
      rows.push({ port, name: PORT_NAMES[port] ?? null, span: 'submit to completion', ...h.summary() });
    for (const [port, h] of [...this.handling].sort((a, b) => a[0] - b[0]))
      rows.push({ port, name: PORT_NAMES[port] ?? null, span: 'handler', ...h.summary() });
    return rows;
  }

  setEngine(report: EngineFixReport): void {
    this.engine = report;
  }

  count(kind: ExitKind, n = 1): void {
    if (n !== 0) this.byKind.set(kind, (this.byKind.get(kind) ?? 0) + n);
  }

  countPort(port: number, n = 1): void {
    if (n !== 0) this.byPort.set(port, (this.byPort.get(port) ?? 0) + n);
  }

  /** Seconds since the machine was built. */
  seconds(): number {
    return Number(process.hrtime.bigint() - this.started) / 1e9;
  }

  /** The figures as data (--stats-file writes this as JSON; docs/reference.md lists the fields). */
  toData(): StatsData {
    const syscalls = this.byKind.get('syscall') ?? 0;
    const e = this.engine;
    return {
      runTimeSeconds: this.seconds(),
      exits: Object.fromEntries([...this.byKind].sort((a, b) => b[1] - a[1])),
      hypercalls: [...this.byPort].sort((a, b) => a[0] - b[0]).map(([port, count]) => ({ port, name: PORT_NAMES[port] ?? null, count })),
      systemCalls: { total: syscalls, handledInJavaScript: this.byKind.get('syscall-slow') ?? 0, byName: Object.fromEntries(this.callsByName()) },
      exitTime: Object.fromEntries([...this.timeByKind].map(([kind, h]) => [kind, { count: h.count, seconds: h.totalNs / 1e9 }])),
      hypercallLatency: this.latencies(),
      engine: e ? { stores: e.stores, flush: e.flush, registerFile: e.registerFile, exceptionRecord: exceptionStateState() } : null,
    };
  }

  /** The table --stats prints on stderr. */
  render(): string {
    const seconds = this.seconds();
    const lines = ['VM exits:'];
    for (const [kind, n] of [...this.byKind].sort((a, b) => b[1] - a[1])) lines.push(`  ${kind.padEnd(16)} ${String(n).padStart(12)}`);
    if (this.byPort.size) lines.push('Hypercalls by port:');
    for (const [port, n] of [...this.byPort].sort((a, b) => a[0] - b[0])) {
      const name = `0x${port.toString(16)} ${PORT_NAMES[port] ?? '(unclaimed)'}`;
      lines.push(`  ${name.padEnd(16)} ${String(n).padStart(12)}`);
    }
    const calls = this.callsByName();
    if (calls.length) lines.push('System calls by name:');
    for (const [name, n] of calls) lines.push(`  ${name.padEnd(22)} ${String(n).padStart(12)}`);
    if (this.timeByKind.size) lines.push('Time in the VMM by kind of exit:');
    for (const [kind, h] of this.timeByKind) lines.push(`  ${kind.padEnd(16)} ${(h.totalNs / 1e6).toFixed(3).padStart(12)} ms  (${h.count})`);
    const rows = this.latencies();
    if (rows.length) lines.push(`Hypercall latency (us):${' '.repeat(21)}count      p50      p99      max`);
    for (const r of rows) {
      const what = `${r.name ?? `0x${r.port.toString(16)}`} (${r.span})`;
      lines.push(`  ${what.padEnd(36)} ${String(r.count).padStart(10)} ${[r.p50Us, r.p99Us, r.maxUs].map((v) => v.toFixed(2).padStart(8)).join(' ')}`);
    }
    const e = this.engine;
    if (e) lines.push(`Engine: stores ${e.stores}, flush ${e.flush}, register file ${e.registerFile}, exception record ${exceptionStateState()}`);
    lines.push(`Run time: ${seconds.toFixed(3)} s`);
    return `${lines.join('\n')}\n`;
  }
}

/** --stats-file's object (besides the command line's own fields: status, interrupted, kvPeakInFlight). */
export interface StatsData {
  runTimeSeconds: number;
  /** VM exits by kind (ExitKind), most frequent first. */
  exits: Record<string, number>;
  /** Hypercalls by port, with the port's name from the ABI (null: a port nothing claims). */
  hypercalls: { port: number; name: string | null; count: number }[];
  /** byName: every call counted by name (the machine-code hook counts by number while --stats is on), most frequent first. */
  systemCalls: { total: number; handledInJavaScript: number; byName: Record<string, number> };
  /** The VMM's own time by kind of exit (JavaScript handlers; 'idle': asleep with every vCPU halted). */
  exitTime: Record<string, { count: number; seconds: number }>;
  /** Hypercall latencies: the key-value round trip (submit to completion) and each port's handler. */
  hypercallLatency: LatencyRow[];
  /** What became of the engine's fixes (engine/libunicorn-fixes.ts); null when the machine never started. */
  engine: { stores: string; flush: string; registerFile: string; exceptionRecord: string } | null;
}

export interface LatencyRow extends LatencySummary {
  port: number;
  name: string | null;
  /** 'submit to completion' (key-value: the proxy's round trip) or 'handler' (the VMM's handling of the `out`). */
  span: string;
}

function histogram<K>(map: Map<K, LatencyHistogram>, key: K): LatencyHistogram {
  let h = map.get(key);
  if (!h) {
    h = new LatencyHistogram();
    map.set(key, h);
  }
  return h;
}
