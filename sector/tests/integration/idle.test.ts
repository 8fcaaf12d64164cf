// The service exits by itself after a while without requests (five minutes by
// default; --idle-timeout makes it short here), cleaning up as `stop` would.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, disconnect, exchange } from '../../src/frontend.js';
import { OP_READ, STATUS_OK } from '../../src/protocol.js';
import { alive, ensureBuilt, eventually, type Sandbox, sandbox, shmOf, sleep } from '../helpers.js';

describe('the idle timeout', () => {
  let box: Sandbox;
  beforeAll(() => ensureBuilt());
  afterEach(() => box?.cleanup());

  it('stops a service that has no requests, and requests keep it alive', async () => {
    box = sandbox(1);
    expect(box.run('service', ['start', '--idle-timeout', '1.5']).status).toBe(0);
    const pid = box.servicePid()!;
    // A request every 200 ms holds it up well past its timeout...
    const conn = connect(path.join(box.dir, 'run'));
    const until = Date.now() + 3000;
    while (Date.now() < until) {
      expect(exchange(conn, OP_READ, 7).status).toBe(STATUS_OK);
      await sleep(200);
    }
    expect(alive(pid)).toBe(true);
    disconnect(conn);
    // ...and once they stop, it goes, leaving nothing behind.
    expect(await eventually(() => !alive(pid), 10_000)).toBe(true);
    expect(shmOf(pid)).toEqual([]);
    expect(fs.existsSync(path.join(box.dir, 'run', 'service.pid'))).toBe(false);
    expect(fs.readFileSync(path.join(box.dir, 'run', 'service.log'), 'utf8')).toMatch(/stopping: no requests for 1\.5s/);
    expect(box.run('service', ['stop']).stderr).toMatch(/not running/);
  });
});
