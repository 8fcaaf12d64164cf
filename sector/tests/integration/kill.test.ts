// A client killed with SIGKILL mid-run: the others carry on undisturbed, and the
// service notices the death and frees the ring.
import fs from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, eventually, type Sandbox, sandbox, sleep, spawnClient } from '../helpers.js';

describe('a client killed mid-run', () => {
  let box: Sandbox;
  beforeAll(() => ensureBuilt());
  afterEach(() => box?.cleanup());

  it('does not disturb the others and does not leak its ring', async () => {
    box = sandbox(2);
    expect(box.run('service', ['start']).status).toBe(0);
    const svc = box.servicePid()!;
    const victim = spawnClient(box, ['4', '10000000']);
    const survivor = spawnClient(box, ['2', '3000']);
    const clients = (): string[] => /clients: (.*)/.exec(box.run('service', ['status']).stdout)?.[1].split(' ') ?? [];
    expect(await eventually(() => clients().includes(String(victim.pid)))).toBe(true);
    await sleep(300); // let it get going
    process.kill(victim.pid, 'SIGKILL');
    const killed = await victim.done;
    expect(killed.signal).toBe('SIGKILL');

    const ok = await survivor.done;
    expect(ok.status, ok.stderr).toBe(0);
    const check = box.run('tool_for_integrity', ['disk1.img', `sectors.${survivor.pid}`, `read.${survivor.pid}`]);
    expect(check.stdout).toContain('verified 3000 replies');

    // The service noticed: the victim is gone from its table and from its address space.
    expect(await eventually(() => !clients().includes(String(victim.pid)))).toBe(true);
    expect(fs.readFileSync(`/proc/${svc}/maps`, 'utf8')).not.toContain(`-ring-${victim.pid}`);
    expect(fs.readdirSync('/dev/shm').filter((n) => n.endsWith(`-ring-${victim.pid}`))).toEqual([]);

    // And it keeps serving newcomers.
    expect(box.run('client', ['1', '50']).status).toBe(0);
  });
});
