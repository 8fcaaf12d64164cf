// Go's net and net/http in the guest, unmodified (CGO_ENABLED=0): a web server reached
// from the host through --publish, and an HTTP client fetching from a server on the
// host's loopback (by address and by the name localhost, from the guest's /etc/hosts).
import { createHash } from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import { goBin } from '../../../toolchain/programs/paths.js';
import { freePort, startVm } from '../../helpers/net.js';
import { runVmAsync } from '../../helpers/run-vm.js';

function request(port: number, path: string, body?: Buffer): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: body ? 'POST' : 'GET', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on('error', (e) => reject(new Error(`${path}: ${e.message}`)));
    req.end(body);
  });
}

describe('Go networking', () => {
  it('a net/http server in the guest answers host clients through --publish', async () => {
    const port = await freePort();
    const vm = startVm([goBin('httpserver'), '--cpus', '2', '--publish', `${port}:8080`]);
    await vm.waitFor(/listening on/);
    const hello = await request(port, '/unikernel');
    expect(hello.status).toBe(200);
    expect(hello.body.toString()).toBe('hello from the unikernel: GET /unikernel\n');
    const payload = Buffer.alloc(200_000, 'abcdefghij');
    const echoed = await Promise.all(Array.from({ length: 8 }, () => request(port, '/echo', payload)));
    for (const r of echoed) expect(r.body.equals(payload)).toBe(true);
    expect((await request(port, '/quit')).body.toString()).toBe('bye\n');
    expect(await vm.exited()).toBe(0);
    expect(vm.stderr()).toBe('');
  });

  it("a net/http client in the guest fetches from the host's loopback", async () => {
    const body = Buffer.from('x'.repeat(100_000));
    const server = http.createServer((_req, res) => res.end(body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      const r = await runVmAsync([goBin('httpget'), '--', `http://127.0.0.1:${port}/a`, `http://localhost:${port}/b`]);
      const digest = createHash('sha256').update(body).digest('hex');
      const lines = r.stdout.toString().split('\n');
      expect(lines.slice(0, 2), r.stderr).toEqual([`200 ${body.length} ${digest}`, `200 ${body.length} ${digest}`]);
      expect(r.status).toBe(0);
    } finally {
      server.close();
    }
  });
});
