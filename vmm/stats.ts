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

  /** The table --stats prints on stderr. */
  render(): string {
    const seconds = Number(process.hrtime.bigint() - this.started) / 1e9;
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
