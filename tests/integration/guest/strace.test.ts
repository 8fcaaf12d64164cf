// --strace: a line per system call as strace writes it (names, strings, flags, errno
// names), paired across threads and vCPUs, to stderr or --strace-file; and --trace's
// decoded hypercalls.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { guestBin, runVm } from '../../helpers/run-vm.js';

const program = guestBin('tests', 'strace');

/** The strace lines of a run, without their `[tid N cpu C] ` prefix. */
const calls = (text: string) => text.split('\n').map((line) => line.replace(/^\[tid \d+ cpu \d+\] /, ''));

describe('--strace', () => {
  it('shows open, read, write and close with their strings, flags and results, and names the errno of a failing call', () => {
    const r = runVm([program, '--strace']);
    expect(r.stdout.toString()).toBe('files: OK\n');
    expect(r.status).toBe(0);
    const lines = calls(r.stderr);
    expect(lines).toContain('open("/tmp/strace.txt", O_WRONLY|O_CREAT|O_TRUNC|O_LARGEFILE, 0644) = 3');
    expect(lines).toContain('write(3, "hello strace\\n", 13) = 13');
    expect(lines).toContain('open("/tmp/strace.txt", O_RDONLY|O_LARGEFILE) = 3');
    expect(lines).toContain('read(3, "hello strace\\n", 64) = 13');
    expect(lines.filter((l) => l === 'close(3) = 0').length).toBe(3);
    expect(lines).toContain('open("/no/such/file", O_RDONLY|O_LARGEFILE) = -1 ENOENT (No such file or directory)');
    // C escapes, octal for other bytes, and the cut after 32 bytes.
    expect(lines).toContain('write(3, "tab\\there \\"quoted\\" \\1\\0020 and a line"..., 54) = 54');
    expect(lines).toContain('exit_group(0) = ?');
    expect(lines.at(-2)).toBe('+++ exited with 0 +++');
    // Each call's hypercalls follow it, decoded by field.
    expect(r.stderr).toMatch(/\] {3}hypercall WRITE 0x400 value 0x[0-9a-f]+ \{fd=1, buf=0x[0-9a-f]+, len=9\}/);
    expect(r.stderr).toMatch(/\[tid 1 cpu 0\] arch_prctl\(ARCH_SET_FS, 0x[0-9a-f]+\) = 0/);
  });

  it('writes to --strace-file instead of stderr', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unikv-strace-'));
    try {
      const file = path.join(dir, 'trace.txt');
      const r = runVm([program, '--strace-file', file]);
      expect(r.status).toBe(0);
      expect(r.stderr).toBe('');
      const lines = calls(fs.readFileSync(file, 'utf8'));
      expect(lines).toContain('open("/no/such/file", O_RDONLY|O_LARGEFILE) = -1 ENOENT (No such file or directory)');
      expect(lines.at(-2)).toBe('+++ exited with 0 +++');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a --strace-file in a missing directory', () => {
    const r = runVm([program, '--strace-file', '/no/such/dir/trace.txt']);
    expect(r.status).toBe(125);
    expect(r.stderr).toMatch(/^unikv: --strace-file .*no such directory/);
  });

  it('pairs every result with its call across threads on 2 vCPUs (<unfinished ...> and <... resumed>)', () => {
    const r = runVm([program, '--cpus', '2', '--strace', '--', 'threads']);
    expect(r.stdout.toString()).toBe('threads: OK\n');
    expect(r.status).toBe(0);
    const open = new Map<string, string>(); // tid -> the call left unfinished
    let writes = 0;
    let readBytes = 0;
    let resumed = 0;
    for (const line of r.stderr.trimEnd().split('\n')) {
      if (line === '+++ exited with 0 +++') continue;
      const m = /^\[tid (\d+) cpu (\d+)\] (.*)$/.exec(line);
      expect(m, line).not.toBeNull();
      const [, tid, , rest] = m as RegExpExecArray;
      if (rest.startsWith('  hypercall ')) continue;
      const resume = /^<\.\.\. (\w+) resumed>.*\) = (-?\d+|\?|0x[0-9a-f]+)( .*)?$/.exec(rest);
      if (resume) {
        expect(open.get(tid), line).toBe(resume[1]);
        open.delete(tid);
        resumed++;
      } else {
        expect(open.has(tid), `thread ${tid} starts a call before its last one ended: ${line}`).toBe(false);
        const unfinished = /^(\w+)\(.* <unfinished \.\.\.>$/.exec(rest);
        if (unfinished) open.set(tid, unfinished[1]);
        else expect(rest, line).toMatch(/^\w+\(.*\) = (-?\d+|\?|0x[0-9a-f]+)( .*)?$/);
      }
      if (/write\(4, "writer [01] line [0-4]\\n", 16/.test(rest)) writes++;
      // (a read of more than 32 bytes shows the first 32 and `...`)
      const read = /read resumed>"[^"]*"(?:\.\.\.)?, 256\) = (\d+)$/.exec(rest) ?? /^read\(3, "[^"]*"(?:\.\.\.)?, 256\) = (\d+)$/.exec(rest);
      if (read) readBytes += Number(read[1]);
    }
    expect(r.stderr).toContain('nanosleep({tv_sec=0, tv_nsec=1000000}, '); // usleep(1000), its timespec decoded
    expect(writes).toBe(10);
    expect(readBytes).toBe(160);
    expect(resumed).toBeGreaterThan(0);
  });
});

describe('--strace and signals', () => {
  it('shows a delivered signal with its siginfo, a fault with its address, and a death by signal', () => {
    const segv = runVm([guestBin('tests', 'signals'), '--strace', '--', 'segv']);
    expect(segv.stderr).toMatch(/^\[tid 1 cpu 0\] --- SIGSEGV \{si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=(NULL|0x[0-9a-f]+)\} ---$/m);
    const all = runVm([guestBin('tests', 'signals'), '--strace']);
    expect(all.stderr).toMatch(/^\[tid 1 cpu 0\] kill\(1, SIGUSR2\) = 0\n(.*\n)*?\[tid 1 cpu 0\] --- SIGUSR2 \{si_signo=SIGUSR2, si_code=SI_USER\} ---$/m);
    const term = runVm([guestBin('tests', 'signals'), '--strace', '--', 'term']);
    expect(term.status).toBe(143);
    expect(term.stderr.trimEnd().split('\n').at(-1)).toBe('+++ killed by SIGTERM +++');
  });
});

describe('--trace', () => {
  it('decodes each hypercall by the fields of its struct', () => {
    const r = runVm([program, '--trace']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^trace: hypercall WRITE 0x400 value 0x[0-9a-f]+ \{fd=1, buf=0x[0-9a-f]+, len=9\}$/m);
    expect(r.stderr).toMatch(/^trace: hypercall EXIT 0x540 value 0x0$/m);
    expect(r.stderr).not.toContain('open(');
  });
});
