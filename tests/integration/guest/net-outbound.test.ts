// A guest client of servers the test starts on the host's loopback, with each host
// backend: TCP round trips, getsockname giving the port the host peer sees,
// non-blocking connects, refused connections, UDP; a host peer that resets in the
// middle of a transfer; one that never reads (the guest's writes stop); a stream
// read in every size and way (the receive ring's paths); and a close that leaves
// bytes unread (a reset).
import dgram from 'node:dgram';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../helpers/net.js';
import { checks, guestBin, runVmAsync } from '../../helpers/run-vm.js';

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

const allOk = (stdout: Buffer) => Object.entries(checks(stdout)).filter(([, ok]) => !ok);

/**
 * Runs net-client MODE against a host server that greets each connection with
 * `greeting`: the error the server's socket then saw ('' for none), once the guest
 * passed its checks and exited 0.
 */
async function peerErrorAfter(mode: string, greeting: string, env: NodeJS.ProcessEnv): Promise<string> {
  let peerError = '';
  const server = net.createServer((s) => {
    s.on('error', (e: NodeJS.ErrnoException) => {
      peerError = e.code ?? '';
    });
    s.write(greeting);
  });
  const port = await listen(server);
  try {
    const r = await runVmAsync([guestBin('tests', 'net-client'), '--', mode, String(port)], { env });
    expect(Object.keys(checks(r.stdout)).length, r.stdout.toString()).toBe(3);
    expect(allOk(r.stdout)).toEqual([]);
    expect(r.status).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    return peerError;
  } finally {
    server.close();
  }
}

// Both host backends: the C library's sockets on the emulation thread (the default)
// and the network thread (UNIKV_NET=thread).
describe.each(['direct', 'thread'])('connections from the guest to the host (%s)', (backend) => {
  const env = { ...process.env, UNIKV_NET: backend };
  it('talk TCP and UDP with host servers, and see refusals as Linux reports them', async () => {
    const seen: number[] = [];
    const tcp = net.createServer((s) => {
      seen.push(s.remotePort ?? 0);
      s.pipe(s);
    });
    const udp = dgram.createSocket('udp4');
    udp.on('message', (msg, from) => udp.send(msg, from.port, from.address));
    const tcpPort = await listen(tcp);
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    const closed = await freePort();
    try {
      const r = await runVmAsync([guestBin('tests', 'net-client'), '--', 'echo', String(tcpPort), String(closed), String(udp.address().port)], { env });
      expect(Object.keys(checks(r.stdout)).length, r.stdout.toString()).toBe(11);
      expect(allOk(r.stdout)).toEqual([]);
      expect(r.status).toBe(0);
      // getsockname of an outbound connection: the port its peer sees
      const local = Number(/^local port (\d+)$/m.exec(r.stdout.toString())?.[1]);
      expect(seen[0]).toBe(local);
    } finally {
      tcp.close();
      udp.close();
    }
  });

  it('a host peer that resets mid-transfer: the data before it, then ECONNRESET', async () => {
    const server = net.createServer((s) => {
      s.write('doomed', () => setTimeout(() => s.resetAndDestroy(), 100));
    });
    const port = await listen(server);
    try {
      const r = await runVmAsync([guestBin('tests', 'net-client'), '--', 'reset', String(port)], { env });
      expect(Object.keys(checks(r.stdout)).length, r.stdout.toString()).toBe(4);
      expect(allOk(r.stdout)).toEqual([]);
      expect(r.status).toBe(0);
    } finally {
      server.close();
    }
  });

  it('bytes written just before the program exits still reach the host peer', async () => {
    const total = 3 << 20;
    let received = 0;
    let intact = true;
    const server = net.createServer();
    const done = new Promise<void>((resolve) => {
      server.on('connection', (s: net.Socket) => {
        s.on('data', (d: Buffer) => {
          for (let i = 0; i < d.length; i++) if (d[i] !== (received + i) % 251) intact = false;
          received += d.length;
        });
        s.on('close', () => resolve());
      });
    });
    const port = await listen(server);
    try {
      const r = await runVmAsync([guestBin('tests', 'net-client'), '--', 'blast', String(port), String(total)], { env });
      expect(r.status, r.stdout.toString()).toBe(0);
      await done;
      expect(received).toBe(total);
      expect(intact).toBe(true);
    } finally {
      server.close();
    }
  });

  it('a stream from the host arrives whole and in order, read in every size with read, readv, recv and MSG_PEEK', async () => {
    const total = 1 << 20;
    const pattern = Buffer.alloc(total);
    for (let i = 0; i < total; i++) pattern[i] = i % 251;
    const server = net.createServer((s) => s.end(pattern));
    const port = await listen(server);
    try {
      const r = await runVmAsync([guestBin('tests', 'net-client'), '--', 'stream', String(port), String(total)], { env });
      expect(Object.keys(checks(r.stdout)).length, r.stdout.toString()).toBe(5);
      expect(allOk(r.stdout)).toEqual([]);
      expect(r.status).toBe(0);
    } finally {
      server.close();
    }
  });

  it('replies an event loop sends from one batch of ready sockets all arrive, in order with a shutdown, even when the program exits at once', async () => {
    const n = 8;
    const heard = new Map<number, { text: string; ended: boolean }>();
    let index = 0;
    const server = net.createServer((s) => {
      const seen = { text: '', ended: false };
      heard.set(index++, seen);
      s.on('data', (d: Buffer) => {
        seen.text += d.toString();
      });
      s.on('end', () => {
        seen.ended = true;
      });
      s.on('error', () => {});
      s.write('go');
    });
    const port = await listen(server);
    try {
      const r = await runVmAsync([guestBin('tests', 'net-client'), '--', 'batch', String(port), String(n)], { env });
      expect(allOk(r.stdout), r.stdout.toString()).toEqual([]);
      expect(r.status).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const replies = [...heard.values()].map((h) => h.text).sort();
      expect(replies).toEqual(Array.from({ length: n }, (_, i) => `reply ${i}`).sort());
      for (const h of heard.values()) if (Number(h.text.split(' ')[1]) % 2) expect(h.ended).toBe(true);
    } finally {
      server.close();
    }
  });

  it('closing with bytes unread resets the host peer, as Linux does', async () => {
    expect(await peerErrorAfter('unread', 'unread ten', env)).toBe('ECONNRESET');
  });

  it('a host peer that never reads holds the guest writer back', async () => {
    const held: net.Socket[] = [];
    const server = net.createServer((s) => {
      s.pause();
      held.push(s);
    });
    const port = await listen(server);
    try {
      const r = await runVmAsync([guestBin('tests', 'net-client'), '--', 'stall', String(port)], { env });
      expect(Object.keys(checks(r.stdout)).length, r.stdout.toString()).toBe(3);
      expect(allOk(r.stdout)).toEqual([]);
      expect(r.status).toBe(0);
    } finally {
      for (const s of held) s.destroy();
      server.close();
    }
  });
});

// The default backend only: the network thread ends such a connection with Node's
// resetAndDestroy(), which is seen to send a FIN instead once the socket has written
// (docs/networking.md, "What is missing").
describe('an abortive close through the default backend', () => {
  const env = { ...process.env, UNIKV_NET: 'direct' };
  it('an abortive close (SO_LINGER on, timeout 0) resets the host peer', async () => {
    expect(await peerErrorAfter('abort', 'ok', env)).toBe('ECONNRESET');
  });
});
