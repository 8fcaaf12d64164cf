// A down or stalled S3 server must turn into rejected promises within a bounded
// time, with one line on stderr per kind of failure.

import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { KvError } from '../../../proxy/kv/errors.js';
import { FailureLog } from '../../../proxy/kv/failure-log.js';
import { openBackend } from '../../../proxy/kv/open-backend.js';
import { S3Backend } from '../../../proxy/kv/s3-backend.js';
import { key } from '../../helpers/backend-contract.js';

const fakeAccount = { accessKeyId: 'TEST', secretAccessKey: 'TEST' };

/** A port on 127.0.0.1 where nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A server that accepts connections and never answers. */
async function silentServer(): Promise<{ server: Server; port: number; stop: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const stop = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { server, port, stop };
}

function kindOf(error: unknown): string | undefined {
  return error instanceof KvError ? error.kind : undefined;
}

beforeEach(() => {
  // The standard credential chain reads these; without any, requests fail before
  // reaching the network (see the last test).
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'TEST');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'TEST');
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('s3 backend failures', () => {
  it('rejects quickly when nothing listens, with one stderr line for many requests', async () => {
    const port = await closedPort();
    const writes: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    const kv = await openBackend({ backend: 's3', s3Endpoint: `http://127.0.0.1:${port}` });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? kv.get(key(`k${i}`)) : i % 3 === 1 ? kv.put(key(`k${i}`), key('v')) : kv.delete(key(`k${i}`)))),
    );
    await kv.close();
    vi.restoreAllMocks();

    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      expect(kindOf((outcome as PromiseRejectedResult).reason)).toBe('unreachable');
    }
    expect(writes).toEqual([`kv: s3 backend unreachable at http://127.0.0.1:${port}: it refused the connection (ECONNREFUSED); requests fail with -1\n`]);
    expect(kv.stats().failures).toEqual({ unreachable: 30 });
  });

  it('gives up on a server that never answers within the operation timeout', async () => {
    const silent = await silentServer();
    const lines: string[] = [];
    const kv = await S3Backend.open({
      endpoint: `http://127.0.0.1:${silent.port}`,
      bucket: 'unikv',
      credentials: fakeAccount,
      operationTimeoutMs: 1_000,
      failureLog: new FailureLog((line) => lines.push(line)),
    });
    // Same key and different keys: queued requests must not wait for their turn forever.
    const outcomes = await Promise.allSettled([kv.get(key('same')), kv.put(key('same'), key('v')), kv.get(key('same')), kv.get(key('other'))]);
    await kv.close();
    await silent.stop();

    expect(outcomes.map((o) => kindOf((o as PromiseRejectedResult).reason))).toEqual(['timeout', 'timeout', 'timeout', 'timeout']);
    expect(lines).toEqual([`kv: s3 backend at http://127.0.0.1:${silent.port} did not answer within 1000 ms; requests fail with -1\n`]);
  });

  it('fails at once for a while after a timeout, naming the endpoint, then tries the server again', async () => {
    let received = 0;
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('data', (d) => {
        received += d.length;
      });
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const kv = await S3Backend.open({
      endpoint: `http://127.0.0.1:${port}`,
      bucket: 'unikv',
      credentials: fakeAccount,
      operationTimeoutMs: 500,
      maxAttempts: 1,
      failFastMs: 1_500,
      failureLog: new FailureLog(() => {}),
    });
    const first = await kv.get(key('a')).catch((e: unknown) => e);
    expect(kindOf(first)).toBe('timeout');
    const seen = received;
    expect(seen).toBeGreaterThan(0);
    const second = await kv.get(key('b')).catch((e: unknown) => e);
    expect(kindOf(second)).toBe('timeout');
    expect((second as Error).message).toBe(`s3 backend at http://127.0.0.1:${port} did not answer; failing its requests at once for 1.5 s after a timeout`);
    expect(received).toBe(seen); // nothing went to the server
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    const third = await kv.get(key('c')).catch((e: unknown) => e);
    expect(kindOf(third)).toBe('timeout');
    expect(received).toBeGreaterThan(seen); // the server was asked again
    await kv.close();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('bounds a stalled request by the defaults too (about 10 s at most)', async () => {
    const silent = await silentServer();
    const kv = await S3Backend.open({
      endpoint: `http://127.0.0.1:${silent.port}`,
      bucket: 'unikv',
      credentials: fakeAccount,
      failureLog: new FailureLog(() => {}),
    });
    const error = await kv.get(key('k')).catch((e: unknown) => e);
    await kv.close();
    await silent.stop();
    expect(kindOf(error)).toBe('timeout');
  }, 20_000);

  it('refuses to open when the bucket must be created and the server is down', async () => {
    const port = await closedPort();
    const error = await openBackend({
      backend: 's3',
      s3Endpoint: `http://127.0.0.1:${port}`,
      createBucket: true,
      failureLog: new FailureLog(() => {}),
    }).catch((e: unknown) => e);
    expect(kindOf(error)).toBe('unreachable');
  });

  // Without credentials the SDK fails a request before it reaches the network; the
  // backend then asks the endpoint whether it answers at all, so that a dead endpoint
  // is not hidden behind a line about credentials.
  describe('without AWS credentials', () => {
    beforeEach(() => {
      for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) {
        vi.stubEnv(name, undefined);
      }
      // No shared config files and no instance metadata lookups either.
      vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/credentials');
      vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/config');
      vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    });

    async function firstFailure(endpoint: string): Promise<{ error: unknown; lines: string[] }> {
      const lines: string[] = [];
      const kv = await openBackend({
        backend: 's3',
        s3Endpoint: endpoint,
        operationTimeoutMs: 1_000,
        failureLog: new FailureLog((line) => lines.push(line)),
      });
      const error = await kv.get(key('k')).catch((e: unknown) => e);
      await kv.close();
      return { error, lines };
    }

    const credentialsHint = 'no AWS credentials are set either (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE)';

    it('blames the credentials when the endpoint answers', async () => {
      const server = createHttpServer((_request, response) => response.writeHead(403).end());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as { port: number };
      const { error, lines } = await firstFailure(`http://127.0.0.1:${port}`);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      expect(kindOf(error)).toBe('access-denied');
      expect(lines).toEqual([
        `kv: s3 backend at http://127.0.0.1:${port} has no credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE); requests fail with -1\n`,
      ]);
    });

    it('says that a closed port refused the connection', async () => {
      const port = await closedPort();
      const { error, lines } = await firstFailure(`http://127.0.0.1:${port}`);
      expect(kindOf(error)).toBe('unreachable');
      expect(lines).toEqual([
        `kv: s3 backend unreachable at http://127.0.0.1:${port}: it refused the connection (ECONNREFUSED); ${credentialsHint}; requests fail with -1\n`,
      ]);
    });

    it('says that an endpoint which accepts and never answers did not answer', async () => {
      const silent = await silentServer();
      const { error, lines } = await firstFailure(`http://127.0.0.1:${silent.port}`);
      await silent.stop();
      expect(kindOf(error)).toBe('timeout');
      expect(lines).toEqual([`kv: s3 backend at http://127.0.0.1:${silent.port} did not answer within 1000 ms; ${credentialsHint}; requests fail with -1\n`]);
    });
  });
});
