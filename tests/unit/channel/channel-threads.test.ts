// The device channel with producers in real worker threads.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelServer, createChannel, type ChannelReply, type ServedRequest } from '../../../channel/channel.js';
import type { ProducerData, ProducerReport } from './channel-producer.worker.js';
import { echo } from './helpers.js';

// Producers in real worker threads run the real channel module. vitest
// transforms .ts only inside its own process, and TypeScript 7 has no
// in-process transpile API, so beforeAll compiles the channel and the worker
// script with the project's own tsc (about a second) into a temporary
// directory marked as ESM, and the workers load the compiled JavaScript.
describe('channel across worker threads', () => {
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  let outDir = '';
  let workerFile = '';

  beforeAll(() => {
    outDir = mkdtempSync(join(tmpdir(), 'channel-test-'));
    writeFileSync(join(outDir, 'package.json'), '{"type":"module"}\n');
    const channelDir = join(root, 'channel');
    const sources = readdirSync(channelDir)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(channelDir, f));
    sources.push(join(root, 'tests/unit/channel/channel-producer.worker.ts'), join(root, 'tests/unit/channel/channel-protocol.ts'));
    execFileSync(
      process.execPath,
      [
        join(root, 'node_modules/typescript/bin/tsc'),
        '--ignoreConfig',
        '--outDir',
        outDir,
        '--rootDir',
        root,
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'es2022',
        '--strict',
        '--skipLibCheck',
        '--types',
        'node',
        ...sources,
      ],
      { cwd: root, stdio: 'pipe' },
    );
    workerFile = join(outDir, 'tests/unit/channel/channel-producer.worker.js');
  });
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  function startProducer(data: ProducerData, onMessage?: (message: unknown) => void): Promise<ProducerReport> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(workerFile, { workerData: data });
      worker.on('message', (message: { ready?: boolean } & ProducerReport) => {
        if (message.ready) onMessage?.(message);
        else resolve(message);
      });
      worker.on('error', reject);
      worker.on('exit', (code) => code !== 0 && reject(new Error(`producer ${data.lane} exited with ${code}`)));
    });
  }

  /** A handler that answers in a scrambled order: now, after a microtask, after I/O, or after a short timer. */
  function scrambledEcho(request: ServedRequest): ChannelReply | Promise<ChannelReply> {
    const reply = echo(request);
    switch ((request.id * 7 + request.client) % 4) {
      case 0:
        return reply;
      case 1:
        return Promise.resolve(reply);
      case 2:
        return new Promise((resolve) => setImmediate(() => resolve(reply)));
      default:
        return new Promise((resolve) => setTimeout(() => resolve(reply), request.id % 3));
    }
  }

  async function runProducers(slots: number, producers: number, count: number) {
    const { sab } = createChannel(slots, producers);
    const server = new ChannelServer(sab);
    const serving = server.serve(scrambledEcho);
    const reports = await Promise.all(Array.from({ length: producers }, (_, lane) => startProducer({ sab, lane, mode: 'load', count, idleMs: 0 })));
    await server.stop();
    await serving;
    return { reports, server };
  }

  it('4 producers x 10,000 requests: every request answered exactly once, with its own answer', async () => {
    const { reports, server } = await runProducers(256, 4, 10_000);
    for (const report of reports) {
      expect(report).toMatchObject({ answered: 10_000, duplicates: 0, unknownIds: 0, wrongAnswers: 0, waitTimeouts: 0 });
    }
    expect(server.stats).toMatchObject({ requests: 40_000, responses: 40_000, badRequests: 0, dropped: 0, handlerErrors: 0 });
  });

  it('a small ring under 4 producers: backpressure across threads, nothing lost', async () => {
    const { reports, server } = await runProducers(4, 4, 3_000);
    for (const report of reports) {
      expect(report).toMatchObject({ answered: 3_000, duplicates: 0, unknownIds: 0, wrongAnswers: 0, waitTimeouts: 0 });
    }
    expect(reports.reduce((sum, r) => sum + r.fullRejections, 0)).toBeGreaterThan(0);
    expect(server.stats.responses).toBe(12_000);
  });

  it('an idle server and an idle client use almost no CPU', async () => {
    const { sab } = createChannel(256, 1);
    const server = new ChannelServer(sab);
    server.serve(echo);
    let ready!: () => void;
    const producerReady = new Promise<void>((resolve) => (ready = resolve));
    const finished = startProducer({ sab, lane: 0, mode: 'idle', count: 0, idleMs: 1500 }, () => ready());
    await producerReady;
    await new Promise((resolve) => setTimeout(resolve, 100)); // let the worker settle into Atomics.wait
    const sleepsBefore = server.stats.sleeps;
    const before = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const used = process.cpuUsage(before);
    const cpuMs = (used.user + used.system) / 1000;
    // A spinning loop on either side would use ~1000 ms here.
    expect(cpuMs).toBeLessThan(100);
    expect(server.stats.sleeps).toBe(sleepsBefore);
    const report = await finished;
    expect(report.idleWaitResult).toBe(false); // the client's wait timed out: nothing woke it
    await server.stop();
  });
});
