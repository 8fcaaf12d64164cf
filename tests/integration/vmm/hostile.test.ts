// What a hostile program does to the VMM (issue 20's defects 1, 2 and 8): each call
// gets an answer, the machine goes on, and the VMM's output stays bounded.
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { guestBin, runVm } from '../../helpers/run-vm.js';
import { tempDirs } from '../../helpers/temp-dirs.js';

const share = tempDirs('unikv-hostile-');

describe('a hostile guest', () => {
  it('gets an errno, not a crashed VMM, for a /host truncate to 2^62 bytes', () => {
    const r = runVm([guestBin('tests', 'hostile'), '--share', share(), '--', 'truncate']);
    const out = r.stdout.toString();
    expect(out).toMatch(/^ftruncate: -1 (File too large|Invalid argument)$/m);
    expect(out).toMatch(/^truncate: -1 (File too large|Invalid argument)$/m);
    expect(out).toContain('still running: yes');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('cannot freeze the machine with a FIFO in the share: opening it is refused at once', () => {
    const dir = share();
    expect(spawnSync('mkfifo', [path.join(dir, 'fifo')]).status).toBe(0);
    const r = runVm([guestBin('tests', 'hostile'), '--share', dir, '--', 'fifo']);
    const out = r.stdout.toString();
    expect(out).toContain('open fifo: -1 No such device or address');
    expect(out).toContain('open fifo for writing: -1 No such device or address');
    expect(out).toMatch(/^truncate fifo: -(6|22)$/m);
    expect(r.status).toBe(0);
  });

  it('touching 4,096 unclaimed ports prints a few lines, not thousands', () => {
    const r = runVm([guestBin('tests', 'hostile'), '--', 'ports']);
    expect(r.stdout.toString()).toBe('ports done\n');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.length).toBe(9);
    expect(lines[8]).toBe('unikv: guest touched 4088 more unclaimed ports (ignored; not named one by one)');
    expect(r.status).toBe(0);
  });
});
