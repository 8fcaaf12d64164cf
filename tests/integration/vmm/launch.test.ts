// How the VMM starts: `npm run vm` boots Node from the start-up snapshot
// (build/vmm/cli.blob); the tests and benchmarks start it with the same arguments
// (VMM_NODE_ARGS); a plain `node dist/vmm/cli/main.js` is the same program without the
// snapshot. These checks keep the three from drifting apart.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { VMM_CLI, VMM_NODE_ARGS } from '../../../vmm/paths.js';
import { guestBin, ROOT, runVm } from '../../helpers/run-vm.js';

const hello = guestBin('examples', 'hello');

describe('starting the VMM', () => {
  it('npm run vm runs node with the arguments the tests and benchmarks use', () => {
    const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;
    const expected = ['node', ...VMM_NODE_ARGS.map((a) => (path.isAbsolute(a) ? path.relative(ROOT, a) : a))].join(' ');
    expect(scripts.vm).toBe(expected);
  });

  it('boots a guest through npm run vm, with arguments and exit status', () => {
    const r = spawnSync('npm', ['run', '-s', 'vm', '--', hello, '--', 'one', 'two'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Hello');
    expect(r.stderr).not.toMatch(/unikv|Error/);
  });

  it('gives the same output and status from the snapshot and from plain dist/vmm/cli/main.js', () => {
    const fromSnapshot = runVm([hello, '--', 'a b', 'c']);
    const plain = spawnSync(process.execPath, [VMM_CLI, hello, '--', 'a b', 'c'], { cwd: ROOT });
    expect(fromSnapshot.status).toBe(0);
    expect(plain.status).toBe(fromSnapshot.status);
    expect(plain.stdout.toString()).toBe(fromSnapshot.stdout.toString());
    expect(plain.stderr.toString()).toBe(fromSnapshot.stderr);
  });

  it('carries nothing over from the parse made while the snapshot was built', () => {
    // cli/snapshot.ts parses made-up arguments (an --env, a -- argument) once at build time.
    const args = guestBin('tests', 'args');
    // Without --env the program gets a default environment: HOME and PATH.
    expect(runVm([args]).stdout.toString()).toBe('argc=1\nargv[0]=args.elf\nenv=HOME=/\nenv=PATH=/usr/local/bin:/usr/bin:/bin\n');
    expect(runVm([args, '--env', 'B=2', '--', 'y']).stdout.toString()).toBe('argc=2\nargv[0]=args.elf\nargv[1]=y\nenv=B=2\n');
  });

  it('refuses a bad option the same way from both', () => {
    const fromSnapshot = runVm([hello, '--cpus', 'zero']);
    const plain = spawnSync(process.execPath, [VMM_CLI, hello, '--cpus', 'zero'], { cwd: ROOT, encoding: 'utf8' });
    expect(fromSnapshot.status).toBe(125);
    expect(plain.status).toBe(125);
    expect(plain.stderr).toBe(fromSnapshot.stderr);
    expect(fromSnapshot.stderr).toMatch(/^unikv: .*cpus/);
  });
});
