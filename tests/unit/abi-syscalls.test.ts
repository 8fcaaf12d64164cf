// The kernel's system-call dispatch table is generated from the spec's list; the
// generator refuses a list the table cannot be built from.
import { describe, expect, it } from 'vitest';
import { checkSyscalls, nasmSyscallTable } from '../../toolchain/abi/generate.js';
import { SYSCALLS, SYSCALL_TABLE_SIZE, type Syscall } from '../../toolchain/abi/spec.js';

const call = (name: string, value: number, handler = `sys_${name}`): Syscall => ({ name, value, handler, doc: '' });

describe('system-call table generator', () => {
  it('accepts the spec', () => {
    expect(() => checkSyscalls(SYSCALLS, SYSCALL_TABLE_SIZE)).not.toThrow();
  });
  it('refuses a number without a handler', () => {
    expect(() => checkSyscalls([call('read', 0), call('poll', 7, '')], 8)).toThrow(/poll \(7\) names no handler/);
  });
  it('refuses the same number twice', () => {
    expect(() => checkSyscalls([call('read', 0), call('also_read', 0)], 8)).toThrow(/number 0 is given twice \(read and also_read\)/);
  });
  it('refuses the same name twice', () => {
    expect(() => checkSyscalls([call('read', 0), call('read', 1)], 8)).toThrow(/name read is given twice/);
  });
  it('refuses a number outside the table', () => {
    expect(() => checkSyscalls([call('read', 8)], 8)).toThrow(/outside the dispatch table/);
  });
  it('fills every gap with sys_unknown, in number order', () => {
    const text = nasmSyscallTable([call('write', 3), call('read', 0)], 6);
    const entries = text
      .split('\n')
      .filter((l) => /^\t(dq|times)/.test(l))
      .map((l) => l.trim().replace(/ ;.*/, ''));
    expect(entries).toEqual(['dq sys_read', 'times 2 dq sys_unknown', 'dq sys_write', 'times 2 dq sys_unknown']);
  });
  it('gives every number below the table size exactly one entry', () => {
    const text = nasmSyscallTable();
    let count = 0;
    for (const line of text.split('\n')) {
      const times = /^\ttimes (\d+) dq /.exec(line);
      if (times) count += Number(times[1]);
      else if (/^\tdq /.test(line)) count += 1;
    }
    expect(count).toBe(SYSCALL_TABLE_SIZE);
  });
});
