// A guest server reached from the host through --publish: the C echo server
// (epoll, non-blocking, accept4) in the guest, driven by host clients, every echo
// checked; and the refusals of a bad --publish.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { Client, freePort, startVm } from '../../helpers/net.js';
import { guestBin, runVm } from '../../helpers/run-vm.js';

const CONNECTIONS = 50;
const ROUND_TRIPS = 100;

describe('--publish', () => {
  it(`serves ${CONNECTIONS} host connections x ${ROUND_TRIPS} round trips through a guest echo server`, async () => {
    const port = await freePort();
    const vm = startVm([guestBin('tests', 'net-echo'), '--publish', `${port}:7000`, '--', '7000', String(CONNECTIONS)]);
    await vm.waitFor(/listening/);
    const clients = await Promise.all(Array.from({ length: CONNECTIONS }, () => Client.connect(port)));
    let checked = 0;
    await Promise.all(
      clients.map(async (client, c) => {
        for (let i = 0; i < ROUND_TRIPS; i++) {
          const message = Buffer.from(`connection ${c} message ${i} ${'x'.repeat((c * 7 + i) % 50)}\n`);
          client.write(message);
          const echo = await client.read(message.length);
          expect(echo.equals(message)).toBe(true);
          checked++;
        }
        await client.end();
      }),
    );
    expect(checked).toBe(CONNECTIONS * ROUND_TRIPS);
    expect(await vm.exited()).toBe(0);
    expect(vm.stdout()).toMatch(new RegExp(`over ${CONNECTIONS} connections`));
    expect(vm.stderr()).toBe('');
  });

  it('holds 1,000 host connections open at once', async () => {
    const port = await freePort();
    const count = 1000;
    const vm = startVm([guestBin('tests', 'net-echo'), '--publish', `${port}:7002`, '--', '7002', String(count)]);
    await vm.waitFor(/listening/);
    const clients: Client[] = [];
    // In waves, so that the host's own listen backlog does not drop connections.
    for (let wave = 0; wave < count; wave += 100)
      clients.push(...(await Promise.all(Array.from({ length: Math.min(100, count - wave) }, () => Client.connect(port)))));
    await Promise.all(
      clients.map(async (client, c) => {
        const message = Buffer.from(`client ${c}\n`);
        client.write(message);
        expect((await client.read(message.length)).equals(message)).toBe(true);
      }),
    );
    await Promise.all(clients.map((client) => client.end()));
    expect(await vm.exited()).toBe(0);
    expect(vm.stdout()).toMatch(new RegExp(`over ${count} connections \\(at most ${count} open at once\\)`));
  });

  it('two VMs listen on the same guest port, published on different host ports; an idle client stalls nobody', async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const a = startVm([guestBin('tests', 'net-echo'), '--publish', `${portA}:80`, '--', '80', '2']);
    const b = startVm([guestBin('tests', 'net-echo'), '--publish', `${portB}:80`, '--', '80', '1']);
    await Promise.all([a.waitFor(/listening/), b.waitFor(/listening/)]);
    const idle = await Client.connect(portA); // connects and never sends
    for (const [port, name] of [
      [portA, 'a'],
      [portB, 'b'],
    ] as const) {
      const client = await Client.connect(port);
      for (let i = 0; i < 20; i++) {
        const message = Buffer.from(`to ${name} ${i}\n`);
        client.write(message);
        expect((await client.read(message.length)).equals(message)).toBe(true);
      }
      await client.end();
    }
    await idle.end();
    expect(await a.exited()).toBe(0);
    expect(await b.exited()).toBe(0);
  });

  it('moves a megabyte each way on one connection', async () => {
    const port = await freePort();
    const vm = startVm([guestBin('tests', 'net-echo'), '--publish', `127.0.0.1:${port}:7001`, '--', '7001', '1']);
    await vm.waitFor(/listening/);
    const client = await Client.connect(port);
    const data = Buffer.alloc(1 << 20);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 10)) & 0xff;
    client.write(data);
    expect((await client.read(data.length)).equals(data)).toBe(true);
    await client.end();
    expect(await vm.exited()).toBe(0);
  });

  it('refuses a malformed spec, a port out of range and a host port in use with one line, status 125', async () => {
    for (const [spec, message] of [
      ['8080', /--publish 8080: expected \[ADDR:\]HOST_PORT:GUEST_PORT/],
      ['abc:80', /--publish abc:80: host port abc is not a number/],
      ['70000:80', /--publish 70000:80: host port 70000 out of range/],
      ['8080:0', /--publish 8080:0: guest port 0 out of range/],
    ] as const) {
      const r = runVm([guestBin('tests', 'net-echo'), '--publish', spec, '--', '7000', '1']);
      expect(r.status).toBe(125);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as net.AddressInfo;
    try {
      const vm = startVm([guestBin('tests', 'net-echo'), '--publish', `${port}:7000`, '--', '7000', '1']);
      expect(await vm.exited()).toBe(125);
      expect(vm.stderr()).toMatch(new RegExp(`--publish ${port}:7000: cannot listen on 127.0.0.1:${port}: host port already in use`));
      expect(vm.stderr().trim().split('\n')).toHaveLength(1);
    } finally {
      busy.close();
    }
  });
});
