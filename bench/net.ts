// The networking issue's benchmark: the C echo server (guest-src/app/tests/net-echo.c,
// epoll, non-blocking) in the guest behind --publish against the same source built
// with the host's gcc (static) and run natively and under qemu-user (Debian's
// qemu-x86_64, the same binary), all driven by the same client in this process in the
// same run: round trips per second and p50/p99 latency with 1, 16 and 64
// connections (and with 1 and 64 through the other host backend, the network thread),
// connections per second, and the VM exits (hypercalls) each request costs, from
// --stats-file. Then the Go net/http server (the same binary natively and
// in the guest): requests per second with 16 keep-alive connections.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildNative } from '@unikv/bench-kit/native-build';
import { goBin } from '../toolchain/programs/paths.js';
import { GUEST_BIN_DIR, PROJECT_ROOT, VMM_NODE_ARGS } from '../vmm/paths.js';
import { median } from '@unikv/bench-kit/stats';
import type { BenchOptions, Benchmark } from './lib/cli.js';
import { runCommandLine } from './lib/cli.js';
import { type BenchReport, type Figure, figure } from './lib/figures.js';
import { printTable, progress } from './lib/report.js';

const ECHO_GUEST = path.join(GUEST_BIN_DIR, 'tests', 'net-echo.elf');
const ECHO_SOURCE = path.join(PROJECT_ROOT, 'guest-src', 'app', 'tests', 'net-echo.c');
const MESSAGE = Buffer.alloc(64, 'm');
const SECONDS = 2;
const CONCURRENCY = [1, 16, 64];
const CONNECT_COUNT = 300;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

interface Server {
  port: number;
  done: Promise<void>;
}

/** Starts a server that prints a line matching `ready`; resolves once it has. */
function start(cmd: string, args: string[], ready: RegExp, port: number, env = process.env): Promise<Server> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
    let out = '';
    const done = new Promise<void>((r) => child.on('close', () => r()));
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      if (ready.test(out)) resolve({ port, done });
    });
    child.on('close', (status) => reject(new Error(`${cmd} ended (${status}) before it was ready: ${out}`)));
  });
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', noDelay: true }, () => resolve(s));
    s.once('error', reject);
  });
}

/** One connection's round trips until `until`: each latency in microseconds. */
async function roundTrips(socket: net.Socket, until: number, latencies: number[]): Promise<void> {
  let pending = 0;
  let started = 0n;
  let wake: (() => void) | undefined;
  socket.on('data', (d: Buffer) => {
    pending -= d.length;
    if (pending <= 0) wake?.();
  });
  while (Date.now() < until) {
    pending = MESSAGE.length;
    started = process.hrtime.bigint();
    const back = new Promise<void>((r) => {
      wake = r;
    });
    socket.write(MESSAGE);
    await back;
    latencies.push(Number(process.hrtime.bigint() - started) / 1000);
  }
}

interface EchoFigures {
  perSecond: number;
  p50: number;
  p99: number;
}

async function echoLoad(port: number, connections: number): Promise<EchoFigures> {
  const sockets = await Promise.all(Array.from({ length: connections }, () => connect(port)));
  const latencies: number[] = [];
  const t0 = Date.now();
  await Promise.all(sockets.map((s) => roundTrips(s, t0 + SECONDS * 1000, latencies)));
  const elapsed = (Date.now() - t0) / 1000;
  for (const s of sockets) s.end();
  latencies.sort((a, b) => a - b);
  return { perSecond: latencies.length / elapsed, p50: latencies[Math.floor(latencies.length / 2)], p99: latencies[Math.floor(latencies.length * 0.99)] };
}

async function connectRate(port: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < CONNECT_COUNT; i++) {
    const s = await connect(port);
    await new Promise<void>((r) => {
      s.once('data', () => r());
      s.write(MESSAGE);
    });
    await new Promise<void>((r) => {
      s.once('close', () => r());
      s.end();
    });
  }
  return CONNECT_COUNT / (Number(process.hrtime.bigint() - t0) / 1e9);
}

type Launch = (port: number, connections: number, statsFile?: string) => Promise<Server>;

async function echoRun(launch: Launch, connections: number, statsFile?: string): Promise<EchoFigures> {
  const port = await freePort();
  const server = await launch(port, connections, statsFile);
  const figures = await echoLoad(port, connections);
  await server.done;
  return figures;
}

function httpLoad(port: number, connections: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  let count = 0;
  const t0 = Date.now();
  const until = t0 + SECONDS * 1000;
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
          res.resume();
          res.on('end', () => {
            count++;
            resolve();
          });
        })
        .on('error', reject);
    });
  const worker = async () => {
    while (Date.now() < until) await one();
  };
  return Promise.all(Array.from({ length: connections }, worker)).then(() => {
    agent.destroy();
    return count / ((Date.now() - t0) / 1000);
  });
}

async function quit(port: number): Promise<void> {
  await new Promise<void>((resolve) => http.get({ host: '127.0.0.1', port, path: '/quit' }, (res) => res.resume().on('end', resolve)));
}

/** One measure of a round: the guest's, the native and the qemu-user rate, and the guest's VM exits per request. */
interface Measure {
  name: string;
  guest: number;
  native?: number;
  qemu?: number;
  detail?: string;
  exits?: string;
}

export async function benchNet(options: BenchOptions = {}): Promise<BenchReport> {
  const rounds = options.rounds ?? 1;
  if (spawnSync('qemu-x86_64', ['--version']).status !== 0) {
    throw new Error('net: qemu-x86_64 not found (Debian qemu-user; toolchain/install.sh --with-tests installs it)');
  }
  const byName = new Map<string, Measure[]>();
  for (let round = 0; round < rounds; round++) {
    if (rounds > 1) progress(`net: round ${round + 1}/${rounds}`);
    for (const m of await oneRound()) byName.set(m.name, [...(byName.get(m.name) ?? []), m]);
  }
  const rows = [...byName.values()].map((ms) => {
    const guest = median(ms.map((m) => m.guest));
    const natives = ms.flatMap((m) => (m.native === undefined ? [] : [m.native]));
    const native = natives.length ? median(natives) : undefined;
    const qemus = ms.flatMap((m) => (m.qemu === undefined ? [] : [m.qemu]));
    const qemu = qemus.length ? median(qemus) : undefined;
    const last = ms[ms.length - 1];
    return [
      last.name,
      `${guest.toFixed(0)} /s${rounds === 1 && last.detail ? ` ${last.detail}` : ''}`,
      native === undefined ? '' : `${native.toFixed(0)} /s`,
      qemu === undefined ? '' : `${qemu.toFixed(0)} /s`,
      native === undefined ? '' : (guest / native).toFixed(2),
      qemu === undefined ? '' : (guest / qemu).toFixed(2),
      last.exits ?? '',
    ];
  });
  printTable(
    `Networking: guest behind --publish vs the same server native and under qemu-user, same client, ${SECONDS} s each, ${rounds === 1 ? 'one round' : `medians of ${rounds} rounds`} (goal: echo at 64 connections >= 0.5 of native)`,
    ['measure', 'guest', 'native', 'qemu-user', 'guest/native', 'guest/qemu', 'VM exits per request (guest)'],
    rows,
  );
  const figures: Figure[] = [];
  for (const ms of byName.values()) {
    figures.push(
      figure(
        `${ms[0].name}, guest`,
        'per s',
        'higher',
        ms.map((m) => m.guest),
      ),
    );
    const natives = ms.flatMap((m) => (m.native === undefined ? [] : [m.native]));
    if (natives.length) figures.push(figure(`${ms[0].name}, native`, 'per s', 'higher', natives));
    const qemus = ms.flatMap((m) => (m.qemu === undefined ? [] : [m.qemu]));
    if (qemus.length) figures.push(figure(`${ms[0].name}, qemu-user`, 'per s', 'higher', qemus));
  }
  return { name: 'net', title: 'Networking: a guest server behind --publish against the same server native', figures };
}

async function oneRound(): Promise<Measure[]> {
  const native = buildNative(ECHO_SOURCE, ['-static']);
  const statsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'unikv-net-bench-'));
  try {
    const guestEchoWith =
      (backend: string): Launch =>
      (port, n, statsFile) =>
        start(
          process.execPath,
          [...VMM_NODE_ARGS, ECHO_GUEST, '--publish', `${port}:7000`, ...(statsFile ? ['--stats-file', statsFile] : []), '--', '7000', String(n)],
          /listening/,
          port,
          { ...process.env, UNIKV_NET: backend },
        );
    const guestEcho = guestEchoWith('direct');
    const nativeEcho: Launch = (port, n) => start(native.bin, [String(port), String(n)], /listening/, port);
    const qemuEcho: Launch = (port, n) => start('qemu-x86_64', [native.bin, String(port), String(n)], /listening/, port);
    const rows: Measure[] = [];
    let exitsPerRequest = 0;
    for (const c of CONCURRENCY) {
      progress(`net: echo with ${c} connection${c > 1 ? 's' : ''}, native, qemu-user, then guest`);
      const n = await echoRun(nativeEcho, c);
      const q = await echoRun(qemuEcho, c);
      const statsFile = path.join(statsDir, `echo-${c}.json`);
      const g = await echoRun(guestEcho, c, statsFile);
      const stats = JSON.parse(fs.readFileSync(statsFile, 'utf8')) as { exits: Record<string, number>; hypercalls: { name: string | null; count: number }[] };
      const net = stats.hypercalls.find((h) => h.name === 'NET')?.count ?? 0;
      const all = Object.values(stats.exits).reduce((a, b) => a + b, 0);
      const requests = g.perSecond * SECONDS;
      if (c === 64) exitsPerRequest = all / requests;
      rows.push({
        name: `echo, ${c} conn.`,
        guest: g.perSecond,
        native: n.perSecond,
        qemu: q.perSecond,
        detail: `(p50 ${g.p50.toFixed(0)} us, p99 ${g.p99.toFixed(0)} us; native p50 ${n.p50.toFixed(0)} us, p99 ${n.p99.toFixed(0)} us; qemu-user p50 ${q.p50.toFixed(0)} us, p99 ${q.p99.toFixed(0)} us)`,
        exits: `${(net / requests).toFixed(1)} NET, ${(all / requests).toFixed(1)} all`,
      });
    }
    for (const c of [1, 64]) {
      progress(`net: echo with ${c} connection${c > 1 ? 's' : ''} through the network thread (UNIKV_NET=thread)`);
      const g = await echoRun(guestEchoWith('thread'), c);
      rows.push({ name: `echo, ${c} conn., network thread`, guest: g.perSecond, detail: `(p50 ${g.p50.toFixed(0)} us, p99 ${g.p99.toFixed(0)} us)` });
    }
    progress('net: connections per second, native then guest');
    const connNative = await (async () => {
      const port = await freePort();
      const s = await nativeEcho(port, CONNECT_COUNT);
      const rate = await connectRate(port);
      await s.done;
      return rate;
    })();
    const connGuest = await (async () => {
      const port = await freePort();
      const s = await guestEcho(port, CONNECT_COUNT);
      const rate = await connectRate(port);
      await s.done;
      return rate;
    })();
    rows.push({ name: 'connections (open, 1 round trip, close)', guest: connGuest, native: connNative });
    progress('net: Go net/http server, 16 keep-alive connections, native then guest');
    const goRate = async (guest: boolean) => {
      const port = await freePort();
      const server = guest
        ? await start(process.execPath, [...VMM_NODE_ARGS, goBin('httpserver'), '--cpus', '2', '--publish', `${port}:8080`], /listening/, port)
        : await start(goBin('httpserver'), [`127.0.0.1:${port}`], /listening/, port);
      const rate = await httpLoad(port, 16);
      await quit(port);
      await server.done;
      return rate;
    };
    const goNative = await goRate(false);
    const goGuest = await goRate(true);
    rows.push({ name: 'Go net/http GET /, 16 conn. (guest: 2 vCPUs)', guest: goGuest, native: goNative });
    progress(`net: ${exitsPerRequest.toFixed(1)} VM exits per echo round trip at 64 connections`);
    return rows;
  } finally {
    native.dispose();
    fs.rmSync(statsDir, { recursive: true, force: true });
  }
}

export const netBenchmark: Benchmark = {
  name: 'net',
  summary: 'a guest echo server and Go net/http behind --publish against the same servers native',
  defaultRounds: `1 round, ${SECONDS} s per measure`,
  run: benchNet,
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runCommandLine([netBenchmark], process.argv.slice(2), 'node dist/bench/net.js');
