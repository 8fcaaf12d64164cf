// A hostile client: garbage opcodes, sectors out of range, a flood of junk, and ring
// indices moved backwards. The service answers with errors or halts that one ring, and
// keeps serving everyone else. The hostile client is this test process itself, using
// the client library with its own hands on the shared memory.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, disconnect, exchange, geometry } from '../../src/frontend.js';
import { OP_READ, RSP_ID, RSP_STATUS, SEG_RING, STATUS_BAD_OP, STATUS_BAD_SECTOR, STATUS_OK, writeRequest } from '../../src/protocol.js';
import { registryName } from '../../src/names.js';
import { ensureBuilt, eventually, type Sandbox, sandbox } from '../helpers.js';

describe('a hostile client', () => {
  let box: Sandbox;
  beforeAll(() => ensureBuilt());
  afterEach(() => box?.cleanup());

  it('gets error replies for bad requests, loses its ring for bad indices, and disturbs nobody', () => {
    box = sandbox(1); // 2048 sectors
    expect(box.run('service', ['start']).status).toBe(0);
    const conn = connect(path.join(box.dir, 'run'));
    const image = fs.readFileSync(box.image);

    expect(geometry(conn)).toEqual({ first: 0, last: 2047, sectorSize: 512 });
    const good = exchange(conn, OP_READ, 2047);
    expect(good.status).toBe(STATUS_OK);
    expect(Buffer.from(good.data)).toEqual(image.subarray(2047 * 512, 2048 * 512));
    expect(exchange(conn, 0xdead, 5).status).toBe(STATUS_BAD_OP);
    expect(exchange(conn, OP_READ, 2048).status).toBe(STATUS_BAD_SECTOR);
    expect(exchange(conn, OP_READ, 2 ** 40 + 3).status).toBe(STATUS_BAD_SECTOR); // high half set

    // A full ring of junk at once: every slot answered, each with its own id, none fatal.
    const ring = conn.ring;
    for (let i = 0; i < ring.slots; i++) {
      const op = 3 + ((i * 2654435761) % 1000);
      writeRequest(ring.dv, ring.nextRequestOffset(), 1000 + i, op, (i * 7919) % 5000);
      ring.commitRequest();
    }
    if (ring.pushRequests()) conn.registry.bell.ring();
    const ids = new Set<number>();
    const deadline = Date.now() + 5000;
    while (ids.size < ring.slots && Date.now() < deadline) {
      while (ring.pendingResponses() > 0) {
        const off = ring.nextResponseOffset();
        expect(ring.dv.getInt32(off + RSP_STATUS, true)).toBe(STATUS_BAD_OP);
        ids.add(ring.dv.getUint32(off + RSP_ID, true));
        ring.consumeResponse();
      }
    }
    expect(ids.size).toBe(ring.slots);

    // Indices moved backwards: the service halts this ring and says so.
    const hdr = new Int32Array(conn.seg.buffer, SEG_RING, 4);
    Atomics.store(hdr, 0, (Atomics.load(hdr, 0) - 5) | 0);
    conn.registry.bell.ring();

    // Everyone else is still served, correctly.
    const other = box.run('client', ['2', '300']);
    expect(other.status, other.stderr).toBe(0);
    const pid = other.pid;
    const check = box.run('tool_for_integrity', ['disk1.img', `sectors.${pid}`, `read.${pid}`]);
    expect(check.stdout).toContain('verified 300 replies');
    const status = box.run('service', ['status']).stdout;
    expect(status).toMatch(/1 rings halted/);
    expect(status).toMatch(/6\d rejected/); // 3 single bad requests + 64 junk

    disconnect(conn);
  });

  it('is forgotten when it leaves: its registry entry and ring are freed', async () => {
    box = sandbox(1);
    expect(box.run('service', ['start']).status).toBe(0);
    const conn = connect(path.join(box.dir, 'run'));
    expect(box.run('service', ['status']).stdout).toContain(`clients: ${process.pid}`);
    disconnect(conn);
    expect(await eventually(() => box.run('service', ['status']).stdout.includes('clients: none'))).toBe(true);
    const maps = fs.readFileSync(`/proc/${box.servicePid()}/maps`, 'utf8');
    expect(maps).not.toContain(`-ring-${process.pid}`);
  });

  it('a damaged registry: status says so in one line, naming it, instead of a stack trace', () => {
    box = sandbox(1);
    expect(box.run('service', ['start']).status).toBe(0);
    const fd = fs.openSync(`/dev/shm${registryName(box.servicePid() ?? 0)}`, 'r+');
    fs.writeSync(fd, Buffer.alloc(64, 0xee), 0, 64, 0);
    fs.closeSync(fd);
    const r = box.run('service', ['status']);
    expect(r.status).not.toBe(0);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/registry of service \d+ \(\/dev\/shm\/.*\) is damaged/);
  });
});
