// --gdb PORT as a user drives it: Debian's gdb in batch mode against
// guest-src/app/tests/gdbtarget.c (built with -g -O0), and, for what batch mode cannot
// do (Ctrl-C while the guest runs, hostile packets), a small client of the remote
// protocol on its own socket. The VMM runs with --gdb 0 and prints the port it chose.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { VMM_NODE_ARGS } from '../../../vmm/paths.js';
import { guestBin, ROOT, runVm } from '../../helpers/run-vm.js';

const TARGET = guestBin('tests', 'gdbtarget');
const LIMIT_MS = 60_000;

interface Vm {
  port: number;
  /** The `-o OFFSET` the VMM printed for the kernel's symbols. */
  kernelOffset: string;
  done: Promise<{ status: number | null; stdout: string; stderr: string }>;
}

/** Starts the VMM with --gdb 0 and waits for the line that names its port. */
function startVm(args: string[]): Promise<Vm> {
  const child = spawn(process.execPath, [...VMM_NODE_ARGS, '--gdb', '0', ...args], { cwd: ROOT });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), LIMIT_MS);
  const done = new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
      const port = /127\.0\.0\.1:(\d+)/.exec(stderr);
      const offset = /add-symbol-file \S+ -o (0x[0-9a-f]+)/.exec(stderr);
      if (port && offset) resolve({ port: Number(port[1]), kernelOffset: offset[1], done });
    });
    done.then((r) => reject(new Error(`the VMM ended before listening: ${r.stderr}`)));
  });
}

/** Runs gdb in batch mode on the program with a command file; its whole output. */
function runGdb(port: number, commands: string[]): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unikv-gdb-'));
  const script = path.join(dir, 'commands.gdb');
  fs.writeFileSync(script, [`target remote :${port}`, ...commands, ''].join('\n'));
  const child = spawn('gdb', ['-batch', '-nx', '-x', script, TARGET], { cwd: ROOT });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d;
  });
  child.stderr.on('data', (d: Buffer) => {
    out += d;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), LIMIT_MS);
  return new Promise((resolve) => {
    child.on('close', () => {
      clearTimeout(timer);
      fs.rmSync(dir, { recursive: true, force: true });
      resolve(out);
    });
  });
}

async function session(args: string[], commands: (vm: Vm) => string[]) {
  const vm = await startVm(args);
  const gdb = await runGdb(vm.port, commands(vm));
  return { gdb, vm: await vm.done };
}

/** A minimal remote-protocol client: packets out, replies (checksums verified) in. */
class RspClient {
  private buffered = '';
  private waiting: (() => void) | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.buffered += d;
      this.waiting?.();
    });
  }

  static connect(port: number): Promise<RspClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new RspClient(socket)));
      socket.on('error', reject);
    });
  }

  raw(bytes: string): void {
    this.socket.write(Buffer.from(bytes, 'latin1'));
  }

  send(payload: string): void {
    let sum = 0;
    for (const c of payload) sum = (sum + c.charCodeAt(0)) & 0xff;
    this.raw(`$${payload}#${sum.toString(16).padStart(2, '0')}`);
  }

  /** The next reply's payload (acks skipped). */
  async reply(): Promise<string> {
    const deadline = Date.now() + LIMIT_MS;
    for (;;) {
      this.buffered = this.buffered.replace(/^[+-]+/, '');
      const m = /^\$([^#]*)#([0-9a-f]{2})/.exec(this.buffered);
      if (m) {
        this.buffered = this.buffered.slice(m[0].length);
        this.raw('+');
        return m[1];
      }
      if (Date.now() > deadline) throw new Error(`no reply; have ${JSON.stringify(this.buffered)}`);
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        setTimeout(resolve, 100);
      });
    }
  }

  async ask(payload: string): Promise<string> {
    this.send(payload);
    return this.reply();
  }

  close(): void {
    this.socket.end();
  }
}

/** The address of a global in the program, from its symbol table (hex). */
function symbol(name: string): string {
  const out = spawnSync('nm', [TARGET], { encoding: 'utf8' }).stdout;
  return new RegExp(`^([0-9a-f]+) [A-Za-z] ${name}$`, 'm').exec(out)?.[1] ?? '';
}

describe('--gdb', () => {
  it('stops at a breakpoint, prints a local and a global, finishes with the return value, and reports the exit status', async () => {
    const { gdb, vm } = await session([TARGET], () => ['break add_up', 'continue', 'print n', 'print answer', 'finish', 'continue']);
    expect(gdb).toMatch(/Breakpoint 1, add_up \(n=10\)/);
    expect(gdb).toMatch(/\$1 = 10/);
    expect(gdb).toMatch(/\$2 = 42/);
    expect(gdb).toMatch(/Value returned is \$3 = 55/);
    expect(gdb).toMatch(/exited with code 03/);
    expect(vm.status).toBe(3);
    expect(vm.stdout).toBe('answer 42 sum 55 counter 1\n');
  });

  it('changes the program with set var and stops on a watchpoint after the write', async () => {
    const { gdb, vm } = await session([TARGET], () => ['break add_up', 'continue', 'set var answer = 7', 'watch counter', 'continue', 'delete', 'continue']);
    expect(gdb).toMatch(/Hardware watchpoint 2: counter/);
    expect(gdb).toMatch(/Old value = 0\s+New value = 1/);
    expect(vm.stdout).toBe('answer 7 sum 55 counter 1\n');
    expect(vm.status).toBe(3);
  });

  it('steps over a line with next, into a function with step, and stops on a read watchpoint', async () => {
    const { gdb, vm } = await session([TARGET], () => [
      'break main',
      'continue',
      'next',
      'next',
      'next',
      'step',
      'rwatch answer',
      'continue',
      'delete',
      'continue',
    ]);
    expect(gdb).toMatch(/\n41\s+int sum = add_up\(10\);/);
    expect(gdb).toMatch(/add_up \(n=10\) at .*gdbtarget\.c:15/);
    expect(gdb).toMatch(/Hardware read watchpoint 2: answer\s+Value = 42/);
    expect(vm.status).toBe(3);
  });

  it('steps through a syscall instruction into the kernel, whose symbols load at the printed offset', async () => {
    const { gdb, vm } = await session([TARGET], (v) => [
      `add-symbol-file ${path.join(ROOT, 'build', 'kernel', 'kernel.elf')} -o ${v.kernelOffset}`,
      'break getpid',
      'continue',
      'while *(unsigned short *)$pc != 0x050f',
      '  stepi',
      'end',
      'stepi',
      'info symbol $pc',
      'continue',
    ]);
    expect(gdb).toMatch(/syscall_entry in section \.text/);
    expect(vm.status).toBe(3);
  });

  it('shows one thread per vCPU', async () => {
    const { gdb, vm } = await session(['--cpus', '2', TARGET, 'threads'], () => ['break worker', 'continue', 'info threads', 'continue']);
    expect(gdb).toMatch(/Thread 1 \(vCPU 0\)/);
    expect(gdb).toMatch(/Thread 2 \(vCPU 1(, not started)?\)/);
    expect(gdb).toMatch(/worker \(arg=/);
    expect(vm.stdout).toBe('counter 3\n');
  });

  it('lets the guest run on after detach', async () => {
    const { gdb, vm } = await session([TARGET], () => ['break add_up', 'continue', 'detach']);
    expect(gdb).toMatch(/detached/);
    expect(vm.status).toBe(3);
    expect(vm.stdout).toBe('answer 42 sum 55 counter 1\n');
  });

  it('lets the guest run on when the debugger disconnects', async () => {
    const vm = await startVm([TARGET]);
    const client = await RspClient.connect(vm.port);
    expect(await client.ask(`Z0,${symbol('add_up')},1`)).toBe('OK'); // points go with the debugger
    client.close();
    const result = await vm.done;
    expect(result.status).toBe(3);
    expect(result.stdout).toBe('answer 42 sum 55 counter 1\n');
  });

  it('takes a second debugger after the first one left, stopping the guest where it is', async () => {
    const vm = await startVm([TARGET, 'spin']);
    const first = await RspClient.connect(vm.port);
    expect(await first.ask('?')).toMatch(/^T05/);
    first.send('c');
    first.close();
    const second = await RspClient.connect(vm.port);
    expect(await second.ask('?')).toMatch(/^T05thread:1;/);
    expect(await second.ask(`M${symbol('spinning')},4:00000000`)).toBe('OK');
    second.send('c');
    expect(await second.reply()).toBe('W00');
    second.close();
    const result = await vm.done;
    expect(result.stdout).toBe('spun\n');
  });

  it('kills the guest on kill', async () => {
    const { vm } = await session([TARGET], () => ['break add_up', 'continue', 'kill']);
    expect(vm.status).toBe(137);
    expect(vm.stderr).toMatch(/the debugger killed the guest/);
  });

  it('stops a spinning program on the interrupt byte, and answers hostile packets with errors', async () => {
    const vm = await startVm([TARGET, 'spin']);
    const client = await RspClient.connect(vm.port);
    expect(await client.ask('qSupported:swbreak+')).toMatch(/PacketSize=/);
    expect(await client.ask('?')).toMatch(/^T05thread:1;/);
    // Nothing is mapped at page 0 or past RAM; malformed and oversized packets.
    expect(await client.ask('m0,8')).toMatch(/^E/);
    expect(await client.ask('mffffffffff000,10')).toMatch(/^E/);
    expect(await client.ask('M0,1:00')).toMatch(/^E/);
    expect(await client.ask('mzz')).toMatch(/^E/);
    expect(await client.ask('p9999')).toMatch(/^E/);
    expect(await client.ask(`M1000,1:${'0'.repeat(70000)}`)).toMatch(/^E/);
    client.raw('$g#00');
    expect(await client.ask('qC')).toBe('QC1');
    client.send('c');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    client.raw('\x03');
    expect(await client.reply()).toMatch(/^T02thread:1;/);
    const address = symbol('spinning');
    expect(address).not.toBe('');
    expect(await client.ask(`M${address},4:00000000`)).toBe('OK');
    client.send('c');
    expect(await client.reply()).toBe('W00');
    client.close();
    const result = await vm.done;
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('spun\n');
  });

  it('ends with status 130 when the VMM is interrupted while it waits for a debugger', async () => {
    const child = spawn(process.execPath, [...VMM_NODE_ARGS, '--gdb', '0', TARGET], { cwd: ROOT });
    let stderr = '';
    const status = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d;
        if (/127\.0\.0\.1:\d+/.test(stderr)) child.kill('SIGINT');
      });
      child.on('close', resolve);
    });
    expect(status).toBe(130);
  });

  it('refuses a port in use or malformed with one line and status 125', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const inUse = runVm(['--gdb', String(port), TARGET]);
    server.close();
    expect(inUse.status).toBe(125);
    expect(inUse.stderr.trim().split('\n')).toHaveLength(1);
    expect(inUse.stderr).toMatch(/port is in use/);
    for (const bad of ['abc', '70000', '-1']) {
      const r = runVm(['--gdb', bad, TARGET]);
      expect(r.status).toBe(125);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
