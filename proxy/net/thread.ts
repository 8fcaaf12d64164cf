// The host network thread: owns every real socket the guest uses (outbound TCP
// connections, connections accepted on --publish ports, UDP sockets) with Node's
// asynchronous net and dgram modules, so nothing here ever blocks the emulation
// thread. It speaks only in the messages of channel/net-messages.ts: bytes in, bytes
// out, never guest memory. Flow control: a connection stops reading from the host
// while RECEIVE_WINDOW bytes it passed on are not yet acknowledged (the guest has
// not read them), so a guest that stops reading holds back the host peer.
import dgram from 'node:dgram';
import net from 'node:net';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { NetCommand, NetEvent, NetThreadData } from '../../channel/net-messages.js';

/** Bytes handed to the guest and not yet read there, past which a connection pauses. */
const RECEIVE_WINDOW = 256 * 1024;
/** Written bytes are reported once this many have gone out. */
const WRITTEN_STEP = 32 * 1024;

const data = workerData as NetThreadData;
const doorbell = new Int32Array(data.doorbell);
let port: MessagePort | undefined;

// Events go out in batches: everything one turn of the event loop produced, in one
// message and one ring of the doorbell.
let batch: NetEvent[] = [];
let batchTransfer: ArrayBuffer[] = [];

function flush(): void {
  const events = batch;
  const transfer = batchTransfer;
  batch = [];
  batchTransfer = [];
  port?.postMessage(events, transfer);
  Atomics.add(doorbell, 0, 1);
  Atomics.notify(doorbell, 0);
}

function send(event: NetEvent, transfer?: ArrayBuffer[]): void {
  if (batch.length === 0) setImmediate(flush);
  batch.push(event);
  if (transfer) batchTransfer.push(...transfer);
}

interface Conn {
  socket: net.Socket;
  unacked: number;
  paused: boolean;
  /** Bytes the host socket took and the emulation thread has not been told of. */
  written: number;
}

const conns = new Map<number, Conn>();
const udps = new Map<number, dgram.Socket>();
let nextIncoming = 1;

function errorName(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : 'ECONNRESET';
}

function attach(id: number, socket: net.Socket, paused = false): void {
  const conn: Conn = { socket, unacked: 0, paused, written: 0 };
  conns.set(id, conn);
  socket.setNoDelay(true);
  let failed: string | undefined;
  socket.on('data', (chunk: Buffer) => {
    const bytes = new Uint8Array(chunk.length);
    bytes.set(chunk);
    conn.unacked += bytes.length;
    if (conn.unacked >= RECEIVE_WINDOW && !conn.paused) {
      conn.paused = true;
      socket.pause();
    }
    send({ ev: 'data', id, bytes }, [bytes.buffer]);
  });
  socket.on('end', () => send({ ev: 'end', id }));
  socket.on('error', (e) => {
    failed = errorName(e);
  });
  socket.on('close', () => {
    if (conns.get(id) !== conn) return;
    conns.delete(id);
    send({ ev: 'closed', id, error: failed });
  });
}

function handle(cmd: NetCommand): void {
  switch (cmd.op) {
    case 'connect': {
      const socket = net.connect({ host: cmd.host, port: cmd.port, family: cmd.family, allowHalfOpen: true });
      attach(cmd.id, socket);
      socket.once('connect', () => send({ ev: 'connected', id: cmd.id, localAddress: socket.localAddress ?? '', localPort: socket.localPort ?? 0 }));
      return;
    }
    case 'write': {
      const conn = conns.get(cmd.id);
      if (!conn) return;
      const n = cmd.bytes.length;
      conn.socket.write(cmd.bytes, () => {
        // Reported in steps: a sender with room left in its window needs no news, and
        // one without has at least a step unreported, so it always hears.
        conn.written += n;
        if (conn.written >= WRITTEN_STEP) {
          send({ ev: 'written', id: cmd.id, n: conn.written });
          conn.written = 0;
        }
      });
      return;
    }
    case 'end':
      conns.get(cmd.id)?.socket.end();
      return;
    case 'close': {
      const conn = conns.get(cmd.id);
      if (!conn) return;
      conns.delete(cmd.id);
      if (cmd.reset) conn.socket.resetAndDestroy();
      else conn.socket.end(() => conn.socket.destroy());
      // A peer that never reads must not keep a closed connection forever.
      setTimeout(() => conn.socket.destroy(), 30_000).unref();
      return;
    }
    case 'ack': {
      const conn = conns.get(cmd.id);
      if (!conn) return;
      conn.unacked = Math.max(0, conn.unacked - cmd.n);
      if (conn.paused && conn.unacked < RECEIVE_WINDOW / 2) {
        conn.paused = false;
        conn.socket.resume();
      }
      return;
    }
    case 'nodelay':
      conns.get(cmd.id)?.socket.setNoDelay(cmd.on);
      return;
    case 'keepalive':
      conns.get(cmd.id)?.socket.setKeepAlive(cmd.on);
      return;
    case 'udp-open': {
      const socket = dgram.createSocket(cmd.family === 6 ? 'udp6' : 'udp4');
      udps.set(cmd.id, socket);
      socket.on('message', (msg, rinfo) => {
        const bytes = new Uint8Array(msg.length);
        bytes.set(msg);
        send({ ev: 'udp-data', id: cmd.id, bytes, address: rinfo.address, port: rinfo.port, family: rinfo.family === 'IPv6' ? 6 : 4 }, [bytes.buffer]);
      });
      socket.on('error', () => {});
      socket.bind(0, cmd.family === 6 ? '::' : '0.0.0.0');
      return;
    }
    case 'udp-send':
      udps.get(cmd.id)?.send(cmd.bytes, cmd.port, cmd.host);
      return;
    case 'udp-close':
      udps.get(cmd.id)?.close();
      udps.delete(cmd.id);
      return;
    case 'drain': {
      const look = () => {
        if ([...conns.values()].every((c) => c.socket.writableLength === 0 || c.socket.destroyed)) send({ ev: 'drained' });
        else setTimeout(look, 5);
      };
      look();
      return;
    }
  }
}

/** Listens on every published port; reports ready, or the first that failed. */
async function publishAll(): Promise<void> {
  for (const p of data.publish) {
    // Paused until the guest accepts the connection (its first ack): queued
    // connections hold no data.
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => {
      const id = nextIncoming;
      nextIncoming += 2;
      attach(id, socket, true);
      send({
        ev: 'incoming',
        id,
        guestPort: p.guestPort,
        remoteAddress: socket.remoteAddress ?? '',
        remotePort: socket.remotePort ?? 0,
        family: socket.remoteFamily === 'IPv6' ? 6 : 4,
      });
    });
    const failure = await new Promise<string | undefined>((resolve) => {
      server.once('error', (e) => resolve(errorName(e)));
      server.listen({ host: p.host, port: p.hostPort, exclusive: true }, () => resolve(undefined));
    });
    if (failure) {
      const why =
        failure === 'EADDRINUSE'
          ? 'host port already in use'
          : failure === 'EACCES'
            ? 'permission denied'
            : failure === 'EADDRNOTAVAIL'
              ? 'no such host address'
              : failure;
      send({ ev: 'refused', message: `--publish ${p.spec}: cannot listen on ${p.host}:${p.hostPort}: ${why}` });
      flush();
      return;
    }
  }
  send({ ev: 'ready' });
  flush();
}

parentPort?.once('message', (msg: { port: MessagePort }) => {
  port = msg.port;
  port.on('message', (commands: NetCommand[]) => {
    for (const c of commands) handle(c);
  });
  void publishAll();
});
