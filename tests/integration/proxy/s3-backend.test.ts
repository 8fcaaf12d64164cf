// The s3 backend against the embedded s3rver, as `--backend s3` runs it by default.

import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import type { KvBackend } from '../../../proxy/kv/backend.js';
import type { KvError } from '../../../proxy/kv/errors.js';
import { FailureLog } from '../../../proxy/kv/failure-log.js';
import { keyDigest } from '../../../proxy/kv/key-mapping.js';
import { openBackend } from '../../../proxy/kv/open-backend.js';
import { encodeRecord } from '../../../proxy/kv/record.js';
import { S3Backend } from '../../../proxy/kv/s3-backend.js';
import { startEmbeddedS3, type EmbeddedS3 } from '../../../proxy/s3/embedded-server.js';
import { backendContract, everyByte, everyKeyByte, key } from '../../helpers/backend-contract.js';

const scratch: string[] = [];
let currentDir = '';

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'unikv-s3-'));
  scratch.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

backendContract('s3 (embedded s3rver)', {
  open: async () => {
    currentDir = await freshDir();
    return openBackend({ backend: 's3', dir: currentDir });
  },
  reopen: () => openBackend({ backend: 's3', dir: currentDir }),
  raceRequests: 120,
});

function rawClient(server: EmbeddedS3): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    credentials: server.credentials,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

async function withServer(body: (server: EmbeddedS3, kv: KvBackend, lines: string[]) => Promise<void>, prefix = '') {
  const server = await startEmbeddedS3({ directory: await freshDir() });
  const lines: string[] = [];
  const kv = await S3Backend.open({
    endpoint: server.endpoint,
    bucket: server.bucket,
    credentials: server.credentials,
    prefix,
    failureLog: new FailureLog((line) => lines.push(line)),
  });
  try {
    await body(server, kv, lines);
  } finally {
    await kv.close();
    await server.stop();
  }
}

describe('s3 backend objects', () => {
  it('sends only prefix + 64-hex names, each holding one record', () =>
    withServer(async (server, kv) => {
      await kv.put(everyKeyByte(1024), everyByte(4096));
      await kv.put(key('../x'), key('v'));
      const client = rawClient(server);
      const name = `kv-${keyDigest(key('../x'))}`;
      const object = await client.send(new GetObjectCommand({ Bucket: server.bucket, Key: name }));
      expect(Buffer.from(await object.Body!.transformToByteArray())).toEqual(encodeRecord(key('../x'), key('v')));
      client.destroy();
      // Nothing escaped the bucket's directory, and no user bytes became file names.
      const entries = await readdir(join(server.directory, server.bucket));
      expect(entries.every((e) => /^kv-[0-9a-f]{64}\._S3rver_/.test(e))).toBe(true);
      expect(await readdir(server.directory)).toEqual([server.bucket]);
    }, 'kv-'));

  it('reads an object holding another key (a forged collision) as absent', () =>
    withServer(async (server, kv) => {
      const client = rawClient(server);
      await client.send(
        new PutObjectCommand({
          Bucket: server.bucket,
          Key: keyDigest(key('victim')),
          Body: encodeRecord(key('intruder'), key('secret')),
        }),
      );
      client.destroy();
      expect(await kv.get(key('victim'))).toBeUndefined();
    }));

  it('fails a damaged object with corrupt-record, reported once', () =>
    withServer(async (server, kv, lines) => {
      const client = rawClient(server);
      await client.send(new PutObjectCommand({ Bucket: server.bucket, Key: keyDigest(key('k')), Body: Buffer.from('not a record') }));
      client.destroy();
      for (let i = 0; i < 3; i++) {
        const error = await kv.get(key('k')).catch((e: unknown) => e);
        expect((error as KvError).kind).toBe('corrupt-record');
      }
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^kv: s3 backend at http:\/\/127\.0\.0\.1:\d+ holds a damaged object unikv\/[0-9a-f]{64} /);
    }));

  it('runs different keys concurrently', () =>
    withServer(async (_server, kv) => {
      await Promise.all(Array.from({ length: 64 }, (_, i) => kv.put(key(`k${i}`), everyByte(4096, i))));
      expect(kv.stats().peakInFlight).toBe(64);
      const values = await Promise.all(Array.from({ length: 64 }, (_, i) => kv.get(key(`k${i}`))));
      for (const [i, v] of values.entries()) expect(v).toEqual(everyByte(4096, i));
    }));
});

describe('embedded s3rver', () => {
  it('starts, serves, stops and frees its port', async () => {
    const directory = await freshDir();
    const server = await startEmbeddedS3({ directory });
    const kv = await S3Backend.open({ endpoint: server.endpoint, bucket: server.bucket, credentials: server.credentials });
    await kv.put(key('k'), key('v'));
    expect(await kv.get(key('k'))).toEqual(key('v'));
    await kv.close();
    await server.stop();
    // The same port can be taken again at once.
    const port = Number(new URL(server.endpoint).port);
    const again = await startEmbeddedS3({ directory, port });
    expect(again.endpoint).toBe(server.endpoint);
    await again.stop();
  });

  it('stops with the backend that started it', async () => {
    const directory = await freshDir();
    const kv = await openBackend({ backend: 's3', dir: directory });
    await kv.put(key('k'), key('v'));
    const endpoint = /at (http:\/\/[0-9.:]+)/.exec(kv.describe())![1];
    await kv.close();
    const refused = await fetch(endpoint).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Error);
  });

  it('reads, right after each acknowledged PUT, the value that PUT wrote', async () => {
    const server = await startEmbeddedS3({ directory: await freshDir() });
    const kv = await S3Backend.open({ endpoint: server.endpoint, bucket: server.bucket, credentials: server.credentials });
    // A long body after a short one and back: a body rewritten in place after the answer
    // showed the old length with the new first bytes.
    for (let i = 0; i < 200; i++) {
      const value = Buffer.alloc(i % 2 ? 4000 : 10, i % 251);
      await kv.put(key('flip'), value);
      expect(await kv.get(key('flip'))).toEqual(value);
    }
    await kv.close();
    await server.stop();
  });

  it('answers a name the file system refuses with an error for that request only, and keeps serving', async () => {
    const crashes: string[] = [];
    const server = await startEmbeddedS3({ directory: await freshDir(), onCrash: (r) => crashes.push(r) });
    const client = rawClient(server);
    // s3rver's own store wrote such a body from a stream whose error escaped its
    // request handler and ended the thread; the checked store's PUT fails in the handler.
    const put = client.send(new PutObjectCommand({ Bucket: server.bucket, Key: 'a'.repeat(1024), Body: Buffer.from('x') }), {
      abortSignal: AbortSignal.timeout(5_000),
    });
    await expect(put).rejects.toBeDefined();
    await client.send(new PutObjectCommand({ Bucket: server.bucket, Key: 'short', Body: Buffer.from('y') }));
    const got = await client.send(new GetObjectCommand({ Bucket: server.bucket, Key: 'short' }));
    expect(await got.Body?.transformToString()).toBe('y');
    client.destroy();
    await server.stop();
    expect(crashes).toEqual([]);
  });
});
