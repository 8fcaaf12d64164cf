// toolchain/rgw: a real Ceph RADOS Gateway on 127.0.0.1 for the S3 tests. Starts one with
// startRgw(), exercises it with the SDK the project uses, stops it and checks that nothing
// is left behind. Fails (does not skip) when the Debian packages are missing: CI installs
// them with `toolchain/rgw/rgw.sh install`.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTALL_HINT, rgwInstalled, startRgw, type RgwServer } from '../../toolchain/rgw/rgw.js';

/** Pids of live (non-zombie) processes with `dir` or `dir/...` in their command line. */
function processesUsing(dir: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // exited meanwhile
    }
    if (args.some((a) => a === dir || a.startsWith(`${dir}/`))) pids.push(Number(name));
  }
  return pids;
}

async function status(p: Promise<unknown>): Promise<{ status: number | undefined; name: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof S3ServiceException) return { status: e.$metadata.httpStatusCode, name: e.name };
    throw e;
  }
  return { status: 200, name: 'ok' };
}

describe('Ceph RGW (toolchain/rgw)', () => {
  let rgw: RgwServer | undefined;
  let s3: S3Client;
  const bucket = 'unikv-rgw-test';

  beforeAll(async () => {
    if (!rgwInstalled()) throw new Error(`Ceph RGW is not installed: ${INSTALL_HINT}`);
    // Always a server of our own (even with RGW_ENDPOINT set): this tests the script.
    rgw = await startRgw({ reuseEnv: false });
    s3 = new S3Client({
      endpoint: rgw.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }, 120_000);

  afterAll(async () => {
    s3?.destroy();
    await rgw?.stop();
  });

  it('serves S3 on 127.0.0.1 with the user it created', () => {
    expect(rgw!.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(rgw!.accessKeyId).toMatch(/^[A-Z0-9]{20}$/);
    expect(rgw!.dir).toBeDefined();
    expect(readFileSync(`${rgw!.dir}/env`, 'utf8')).toContain(`RGW_ENDPOINT=${rgw!.endpoint}\n`);
    expect(processesUsing(rgw!.dir!).length).toBeGreaterThanOrEqual(3); // mon, osd, radosgw (+ watchdog)
  });

  it('creates a bucket, puts, gets, lists and deletes binary objects under a 1024-byte key', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));

    // Printable ASCII with characters that need URL encoding; exactly 1024 bytes.
    const unit = "dir/sub dir/a+b=c&d%20e~f(g)!h*i'j,k;l:m@n$o_p-q.r";
    const key = unit.repeat(Math.ceil(1024 / unit.length)).slice(0, 1024);
    expect(Buffer.byteLength(key)).toBe(1024);
    const body = new Uint8Array(70_000);
    for (let i = 0; i < body.length; i++) body[i] = (i * 131 + (i >> 8)) & 0xff; // every byte value, incl. 0
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));

    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = await got.Body!.transformToByteArray();
    expect(Buffer.from(bytes).equals(Buffer.from(body))).toBe(true);

    const empty = 'empty';
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: empty, Body: new Uint8Array(0) }));
    const gotEmpty = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: empty }));
    expect((await gotEmpty.Body!.transformToByteArray()).length).toBe(0);

    const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect((list.Contents ?? []).map((o) => o.Key).sort()).toEqual([key, empty].sort());

    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: empty }));
    expect(await status(s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })))).toEqual({ status: 404, name: 'NoSuchKey' });
  });

  it('refuses a 1025-byte key', async () => {
    const key = 'k'.repeat(1025);
    const r = await status(s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x' })));
    expect(r.status).toBe(400);
    const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(list.KeyCount).toBe(0);
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
  });

  it('stops: no process of the cluster is left and its directory is gone', async () => {
    const dir = rgw!.dir!;
    await rgw!.stop();
    await rgw!.stop(); // idempotent
    expect(processesUsing(dir)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  });
});
