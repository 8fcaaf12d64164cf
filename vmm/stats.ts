// VM-exit statistics (--stats): how often the guest left the engine for the VMM,
// by kind and by port, and how long the run took.
import { PORT_NAMES } from './generated/abi.js';
import type { EngineFixReport } from './engine/libunicorn-fixes.js';
import { exceptionStateState } from './engine/exception-state.js';

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
      systemCalls: { total: syscalls, handledInJavaScript: this.byKind.get('syscall-slow') ?? 0 },
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
  systemCalls: { total: number; handledInJavaScript: number };
  /** What became of the engine's fixes (engine/libunicorn-fixes.ts); null when the machine never started. */
  engine: { stores: string; flush: string; registerFile: string; exceptionRecord: string } | null;
}
