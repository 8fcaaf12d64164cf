// The cost of --gdb when no breakpoint is set: hello and a compute-bound guest
// (smpbench compute), each run without --gdb, with a debugger attached that only
// continues (every slice is then counted, so Ctrl-C reaches a spinning guest), and
// with one that detaches at once (the guest then runs as without --gdb). The
// "debugger" is a protocol client on the stub's socket. Median of 3 runs each,
// measured in the same run against no --gdb.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { median } from '@unikv/bench-kit/stats';
import { GUEST_BIN_DIR, VMM_NODE_ARGS } from '../vmm/paths.js';
import { printTable, progress } from './lib/report.js';

type Mode = 'no --gdb' | 'attached, continue' | 'detached at once';
const MODES: Mode[] = ['no --gdb', 'attached, continue', 'detached at once'];

const packet = (payload: string) => {
  let sum = 0;
  for (const c of payload) sum = (sum + c.charCodeAt(0)) & 0xff;
  return `$${payload}#${sum.toString(16).padStart(2, '0')}`;
};

/** One run: wall milliseconds from start to exit, and the guest's output. */
function runOnce(args: string[], mode: Mode): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const gdb = mode === 'no --gdb' ? [] : ['--gdb', '0'];
    const child = spawn(process.execPath, [...VMM_NODE_ARGS, ...gdb, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let client: net.Socket | undefined;
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      const port = /127\.0\.0\.1:(\d+)/.exec(stderr);
      if (port && !client) {
        client = net.connect(Number(port[1]), '127.0.0.1', () => client?.write(packet(mode === 'detached at once' ? 'D' : 'c')));
        client.on('data', () => client?.write('+'));
        client.on('error', () => {});
      }
    });
    child.on('exit', (status) => {
      client?.destroy();
      if (status !== 0) reject(new Error(`${args.join(' ')} (${mode}) exited with ${status}: ${stderr}`));
      else resolve({ ms: performance.now() - started, stdout });
    });
  });
}

async function measure(args: string[], mode: Mode, field?: string): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await runOnce(args, mode);
    const m = field ? new RegExp(`${field}=([0-9.]+)`).exec(r.stdout) : undefined;
    values.push(m ? Number(m[1]) : r.ms);
  }
  return median(values);
}

export async function benchGdb(): Promise<void> {
  const hello = [path.join(GUEST_BIN_DIR, 'examples', 'hello.elf')];
  const compute = [path.join(GUEST_BIN_DIR, 'bench', 'smpbench.elf'), '--', 'compute', '6000'];
  const rows: string[][] = [];
  const base: Record<string, number> = {};
  for (const mode of MODES) {
    progress(`gdb: hello and compute, ${mode}`);
    const ms = await measure(hello, mode);
    const mips = await measure(compute, mode, 'minstr_per_s');
    base.ms ??= ms;
    base.mips ??= mips;
    rows.push([mode, `${ms.toFixed(0)} ms`, `${(ms / base.ms).toFixed(2)}x`, `${mips.toFixed(0)} M instr/s`, `${(mips / base.mips).toFixed(2)}x`]);
  }
  printTable('--gdb with no breakpoint (median of 3 runs)', ['mode', 'hello, wall', 'ratio', 'compute', 'ratio'], rows);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await benchGdb();
