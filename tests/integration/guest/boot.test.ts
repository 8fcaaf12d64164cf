// Booting real guests: output, arguments, exit status, the C library's memory and
// system-call paths, and a guest that passes wild pointers.
import { describe, expect, it } from 'vitest';
import { checks, guestBin, runVm } from '../../helpers/run-vm.js';

describe('booting a guest program', () => {
  it('runs hello and exits 0', () => {
    const r = runVm([guestBin('examples', 'hello')]);
    expect(r.stdout.toString()).toBe('Hello from the unikv unikernel!\n');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('passes argv (program name first, spaces kept) and returns the exit status', () => {
    const r = runVm([guestBin('tests', 'args'), '--', 'one', 'two words', '', '7']);
    expect(r.stdout.toString()).toBe(
      'argc=5\nargv[0]=args.elf\nargv[1]=one\nargv[2]=two words\nargv[3]=\nargv[4]=7\nenv=HOME=/\nenv=PATH=/usr/local/bin:/usr/bin:/bin\n',
    );
    expect(r.status).toBe(7);
  });

  it.each([0, 1, 2, 100, 127, 128, 200, 254, 255])('exit status %i reaches the host', (status) => {
    expect(runVm([guestBin('tests', 'args'), '--', String(status)]).status).toBe(status);
  });

  it('keeps only the low 8 bits of the status, as Linux does', () => {
    expect(runVm([guestBin('tests', 'args'), '--', '257']).status).toBe(1);
  });

  it('copies stdout and stderr byte for byte, NUL bytes included', () => {
    const r = runVm([guestBin('tests', 'bytes')]);
    const expected = Buffer.alloc(512);
    for (let i = 0; i < 512; i++) expected[i] = i & 0xff;
    expect(r.stdout.equals(expected)).toBe(true);
    expect(Buffer.from(r.stderr, 'latin1').equals(Buffer.from('err\0or', 'latin1'))).toBe(true);
    expect(r.status).toBe(0);
  });

  it('gives the C library working malloc (tens of MiB), mmap, munmap and brk, and exact memcpy, memmove, memset, strlen and strchr', () => {
    const r = runVm([guestBin('tests', 'memory')]);
    const c = checks(r.stdout);
    expect(c).toEqual({
      'malloc 48 MiB': true,
      '10000 small mallocs': true,
      'mmap/munmap': true,
      brk: true,
      'memcpy/memmove/memset': true,
      'strlen/strchr': true,
      'printf %f': true,
    });
    expect(r.status).toBe(0);
  });

  it('answers the system calls single-threaded musl programs use', () => {
    const r = runVm([guestBin('tests', 'syscalls')]);
    const c = checks(r.stdout);
    expect(Object.keys(c).length).toBe(13);
    expect(Object.entries(c).filter(([, ok]) => !ok)).toEqual([]);
    // Each unknown call is named once (by number where Linux has no name); rseq is refused without a report.
    expect(r.stderr).toBe(
      'kernel: unknown system call 999 returns -ENOSYS (reported once)\n' + 'kernel: unknown system call fork (57) returns -ENOSYS (reported once)\n',
    );
    expect(r.status).toBe(0);
  });

  it('names the quietly refused calls too with --strict-abi', () => {
    const r = runVm([guestBin('tests', 'syscalls'), '--strict-abi']);
    expect(Object.entries(checks(r.stdout)).filter(([, ok]) => !ok)).toEqual([]);
    expect(r.stderr).toContain('kernel: unknown system call rseq (334) returns -ENOSYS (reported once)\n');
    expect(r.status).toBe(0);
  });

  it('returns EFAULT for wild pointers and keeps running', () => {
    const r = runVm([guestBin('tests', 'wild-pointers')]);
    const c = checks(r.stdout);
    expect(Object.keys(c).length).toBe(11);
    expect(Object.entries(c).filter(([, ok]) => !ok)).toEqual([]);
    expect(r.status).toBe(0);
  });

  it('passes --env variables to the guest environment', () => {
    const r = runVm([guestBin('tests', 'args'), '--env', 'A=1', '--env', 'PATH=/bin']);
    expect(r.stdout.toString()).toBe('argc=1\nargv[0]=args.elf\nenv=A=1\nenv=PATH=/bin\n');
    expect(r.status).toBe(0);
  });

  it('prints VM-exit statistics with --stats and a line per hypercall with --trace', () => {
    const r = runVm([guestBin('examples', 'hello'), '--stats', '--trace']);
    expect(r.stdout.toString()).toBe('Hello from the unikv unikernel!\n');
    expect(r.stderr).toMatch(/trace: hypercall WRITE 0x400/);
    expect(r.stderr).toMatch(/trace: hypercall EXIT 0x540 value 0x0/);
    expect(r.stderr).toMatch(/VM exits:\n(.|\n)*syscall +\d+/);
    expect(r.stderr).toMatch(/0x540 EXIT +1/);
    expect(r.stderr).toMatch(/Run time: \d+\.\d+ s/);
  });
});
