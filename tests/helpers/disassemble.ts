// The instructions in a piece of x86-64 machine code, as objdump (binutils) prints
// them in AT&T syntax: for tests that check the VMM's hand-written machine code
// against the assembly in its comments.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function disassemble(code: number[]): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hook-'));
  try {
    const file = path.join(dir, 'code.bin');
    fs.writeFileSync(file, Uint8Array.from(code));
    const r = spawnSync('objdump', ['-D', '-b', 'binary', '-m', 'i386:x86-64', file], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`objdump failed: ${r.stderr || r.error?.message}`);
    return r.stdout
      .split('\n')
      .map((l) => l.split('\t')[2]?.trim())
      .filter((m): m is string => !!m);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
