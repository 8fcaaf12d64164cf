// Bad input: one line, a non-zero status, and nothing left behind.
import fs from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, type Sandbox, sandbox } from '../helpers.js';

function oneLine(r: { status: number | null; stdout: string; stderr: string }): string {
  expect(r.status).not.toBe(0);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  return lines[0];
}

function leftovers(box: Sandbox): string[] {
  return fs.readdirSync(box.dir).filter((f) => f !== 'disk1.img' && f !== 'run');
}

describe('bad input', () => {
  let box: Sandbox;
  beforeAll(() => ensureBuilt());
  afterEach(() => box?.cleanup());

  it('client without a service', () => {
    box = sandbox(1);
    const r = box.run('client', ['2', '10']);
    expect(oneLine(r)).toMatch(/service is not running/);
    expect(leftovers(box)).toEqual([]);
    expect(fs.readdirSync('/dev/shm').filter((n) => n.endsWith(`-ring-${r.pid}`))).toEqual([]);
  });

  it('client arguments, with a service running', () => {
    box = sandbox(1);
    expect(box.run('service', ['start']).status).toBe(0);
    for (const args of [
      [],
      ['4'],
      ['4', '10', '1'],
      ['0', '10'],
      ['4', '0'],
      ['-1', '10'],
      ['4', '-5'],
      ['x', '10'],
      ['4', '1e3'],
      ['2.5', '10'],
      ['65', '10'],
    ]) {
      expect(oneLine(box.run('client', args)), JSON.stringify(args)).toMatch(/client/);
    }
    expect(leftovers(box)).toEqual([]);
  });

  it('service start with a missing image, and a second start', () => {
    box = sandbox(0);
    expect(oneLine(box.run('service', ['start']))).toMatch(/image disk1\.img: no such file/);
    expect(oneLine(box.run('service', ['start', '--image', 'nope.img']))).toMatch(/nope\.img: no such file/);
    expect(box.servicePid()).toBeUndefined();
    fs.writeFileSync(box.image, Buffer.alloc(100));
    expect(oneLine(box.run('service', ['start']))).toMatch(/smaller than one sector/);
    fs.writeFileSync(box.image, Buffer.alloc(4096));
    expect(box.run('service', ['start']).status).toBe(0);
    expect(oneLine(box.run('service', ['start']))).toMatch(/already running \(pid \d+\)/);
  });

  it('service stop with none running, and bad subcommands', () => {
    box = sandbox(0);
    expect(oneLine(box.run('service', ['stop']))).toMatch(/not running/);
    expect(oneLine(box.run('service', []))).toMatch(/usage/);
    expect(oneLine(box.run('service', ['restart']))).toMatch(/usage/);
    expect(oneLine(box.run('service', ['start', '--idle-timeout', '-3']))).toMatch(/idle-timeout/);
  });

  it('integrity tool arguments and files', () => {
    box = sandbox(1);
    expect(oneLine(box.run('tool_for_integrity', ['disk1.img']))).toMatch(/usage/);
    expect(oneLine(box.run('tool_for_integrity', ['disk1.img', 'sectors.9', 'read.9']))).toMatch(/cannot open read\.9/);
    fs.writeFileSync(`${box.dir}/sectors.9`, '1\n2\n');
    fs.writeFileSync(`${box.dir}/read.9`, Buffer.alloc(512));
    expect(oneLine(box.run('tool_for_integrity', ['disk1.img', 'sectors.9', 'read.9']))).toMatch(/lists 2 sectors/);
  });
});
