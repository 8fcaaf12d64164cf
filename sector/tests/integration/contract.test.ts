// The sector service's documented sequence (docs/sector-service.md), from the image onwards, with
// several clients at once and every reply proved against the image. (`make clean` and
// `make` are not run here: the suite must not delete the tree other tests use.)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { alive, ensureBuilt, parseResult, type Sandbox, sandbox, shmOf, spawnClient } from '../helpers.js';

describe('the contract sequence', () => {
  let box: Sandbox;
  beforeAll(() => ensureBuilt());
  afterEach(() => box?.cleanup());

  it('serves several concurrent clients whose replies all match the image', async () => {
    box = sandbox(0);
    execFileSync('dd', ['if=/dev/urandom', 'of=disk1.img', 'bs=1M', 'count=4'], { cwd: box.dir, stdio: 'ignore' });

    const start = box.run('service', ['start']); // serves ./disk1.img by default
    expect(start.status, start.stderr).toBe(0);
    expect(start.stdout).toMatch(/service started \(pid \d+\)/);
    const servicePid = box.servicePid()!;
    expect(alive(servicePid)).toBe(true);

    const clients = [spawnClient(box, ['4', '600']), spawnClient(box, ['2', '500']), spawnClient(box, ['1', '300'])];
    const results = await Promise.all(clients.map((c) => c.done));
    for (const r of results) {
      expect(r.status, r.stderr).toBe(0);
      const lines = r.stdout.trim().split('\n');
      expect(lines).toHaveLength(1);
      const { max, avg, min, stddev, rps } = parseResult(lines[0]);
      expect(min).toBeGreaterThan(0);
      expect(min).toBeLessThanOrEqual(avg);
      expect(avg).toBeLessThanOrEqual(max);
      expect(stddev).toBeGreaterThanOrEqual(0);
      expect(rps).toBeGreaterThan(0);
    }

    const stop = box.run('service', ['stop']);
    expect(stop.status, stop.stderr).toBe(0);
    expect(stop.stdout).toMatch(/cache hit ratio: \d+\.\d\d%/);
    expect(alive(servicePid)).toBe(false);
    expect(shmOf(servicePid)).toEqual([]);
    expect(fs.existsSync(path.join(box.dir, 'run', 'service.pid'))).toBe(false);

    const counts = [600, 500, 300];
    clients.forEach((c, i) => {
      const sectors = fs
        .readFileSync(path.join(box.dir, `sectors.${c.pid}`), 'utf8')
        .trim()
        .split('\n');
      expect(sectors).toHaveLength(counts[i]);
      expect(fs.statSync(path.join(box.dir, `read.${c.pid}`)).size).toBe(counts[i] * 512);
      for (const s of sectors) expect(Number(s)).toBeLessThan(8192); // 4 MiB = 8192 sectors
      const check = box.run('tool_for_integrity', ['disk1.img', `sectors.${c.pid}`, `read.${c.pid}`]);
      expect(check.status, check.stderr).toBe(0);
      expect(check.stdout).toContain(`verified ${counts[i]} replies`);
    });
  });

  it('has an integrity tool that catches a reply that does not match', () => {
    box = sandbox(1);
    fs.writeFileSync(path.join(box.dir, 'sectors.1'), '3\n7\n');
    const image = fs.readFileSync(box.image);
    const reads = Buffer.concat([image.subarray(3 * 512, 4 * 512), image.subarray(7 * 512, 8 * 512)]);
    fs.writeFileSync(path.join(box.dir, 'read.1'), reads);
    expect(box.run('tool_for_integrity', ['disk1.img', 'sectors.1', 'read.1']).stdout).toContain('verified 2 replies');
    reads[600] ^= 1;
    fs.writeFileSync(path.join(box.dir, 'read.1'), reads);
    const bad = box.run('tool_for_integrity', ['disk1.img', 'sectors.1', 'read.1']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/1 of 2 replies do not match.*reply 2 \(sector "7"\)/);
  });
});
