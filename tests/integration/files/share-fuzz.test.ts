// The host side of the share, hostile: while a guest program reads and lists /host
// (guest-src/app/tests/share-fuzz.c), the test swaps in FIFOs, UNIX sockets, device
// nodes (mknod as root, else links to /dev/zero), symlinks to the outside swapped in a
// loop, and files truncated or replaced under the reader. The guest gets data or an
// errno for each call, never a byte of the canary file that lies outside the share,
// and the VMM neither hangs nor crashes.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { guestBin, runVmAsync } from '../../helpers/run-vm.js';
import { tempDirs } from '../../helpers/temp-dirs.js';

const tempDir = tempDirs('unikv-share-fuzz-');
const isRoot = process.getuid?.() === 0;

/** Replaces `target` with a symlink to `to`, atomically (a rename over it). */
function swapLink(target: string, to: string): void {
  const temp = `${target}.tmp`;
  fs.rmSync(temp, { force: true });
  fs.symlinkSync(to, temp);
  fs.renameSync(temp, target);
}

function listen(socketPath: string): Promise<net.Server> {
  fs.rmSync(socketPath, { force: true });
  const server = net.createServer((c) => c.destroy());
  return new Promise((resolve) => server.listen(socketPath, () => resolve(server)));
}

describe('a host share that changes under the guest', () => {
  it('gives the guest data or errnos, never the outside, and the VMM stays up', async () => {
    const root = tempDir();
    const share = path.join(root, 'share');
    const outside = path.join(root, 'outside');
    fs.mkdirSync(share);
    fs.mkdirSync(path.join(outside, 'dir'), { recursive: true });
    const canary = `CANARY-${process.pid}-${Date.now()}`;
    fs.writeFileSync(path.join(outside, 'canary.txt'), `${canary}\n`);
    fs.writeFileSync(path.join(outside, 'dir', 'file'), `${canary} in a directory\n`);
    fs.writeFileSync(path.join(share, 'regular.txt'), 'inside the share\n');
    fs.writeFileSync(path.join(share, 'growing'), '');
    fs.writeFileSync(path.join(share, 'replaced'), 'first\n');
    fs.symlinkSync('regular.txt', path.join(share, 'swap-link'));
    fs.mkdirSync(path.join(share, 'swap-dir'));

    const vm = runVmAsync([guestBin('tests', 'share-fuzz'), '--share', share, '--', canary, '6']);
    let done = false;
    void vm.then(() => {
      done = true;
    });

    const links = [path.join(outside, 'canary.txt'), '../outside/canary.txt', 'regular.txt', '/etc/passwd', 'swap-link', `${share}/../outside/dir`];
    let socket = await listen(path.join(share, 'socket'));
    let turns = 0;
    while (!done) {
      const t = turns++;
      swapLink(path.join(share, 'swap-link'), links[t % links.length]);
      const swapDir = path.join(share, 'swap-dir');
      fs.rmSync(swapDir, { recursive: true, force: true });
      if (t % 2) swapLink(swapDir, t % 4 === 1 ? path.join(outside, 'dir') : '../outside/dir');
      else {
        fs.mkdirSync(swapDir);
        fs.writeFileSync(path.join(swapDir, 'file'), 'a file inside\n');
      }
      fs.truncateSync(path.join(share, 'growing'), (t * 7919) % 200_000);
      const replacement = path.join(share, 'replaced.new');
      fs.writeFileSync(replacement, Buffer.alloc((t * 104729) % 70_000, t & 0xff));
      fs.renameSync(replacement, path.join(share, 'replaced'));
      const fifo = path.join(share, 'fifo');
      fs.rmSync(fifo, { force: true });
      if (t % 3 === 0) fs.writeFileSync(fifo, 'a file where the FIFO was\n');
      else spawnSync('mkfifo', [fifo]);
      if (t % 10 === 0) {
        await new Promise((resolve) => socket.close(resolve));
        socket = await listen(path.join(share, 'socket'));
      }
      const device = path.join(share, 'device');
      fs.rmSync(device, { force: true });
      if (isRoot) spawnSync('mknod', [device, 'c', '1', t % 2 ? '5' : '3']);
      else fs.symlinkSync(t % 2 ? '/dev/zero' : '/dev/null', device);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await new Promise((resolve) => socket.close(resolve));

    const r = await vm;
    const out = r.stdout.toString();
    expect(out, r.stderr).toContain('share-fuzz: done');
    expect(out).toContain('escapes 0\n');
    expect(out).not.toContain(canary);
    expect(Number(/opens (\d+)/.exec(out)?.[1])).toBeGreaterThan(100);
    expect(turns).toBeGreaterThan(50);
    expect(r.stderr).not.toMatch(/internal error| {4}at /);
    expect(r.status).toBe(0);
    expect(fs.readFileSync(path.join(outside, 'canary.txt'), 'utf8')).toBe(`${canary}\n`);
  });
});
