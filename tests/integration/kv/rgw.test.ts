// The S3 path against a production S3 implementation: Ceph RGW on loopback
// (toolchain/rgw), started once for this file. The VMM reaches it the way a user
// would point it at AWS or MinIO: --backend s3 --s3-endpoint URL --bucket B, with
// credentials in the standard AWS environment variables. The proxy does not create
// buckets on an explicit endpoint, so this file creates its bucket with the SDK.
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTALL_HINT, rgwAvailable, startRgw, type RgwServer } from '../../../toolchain/rgw/rgw.js';
import { runVmAsync } from '../../helpers/run-vm.js';
import { CONTRACT_CHECKS, KVBENCH, PRIVATE_CHECK, SHARED_CHECK, expectAllPassed, runKvcheck, tempDir, uniquePrefix } from './kv-run.js';

const BUCKET = 'unikv-test';
let rgw: RgwServer | undefined;
let env: NodeJS.ProcessEnv;
const work = tempDir('rgw');

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // the SDK's notice about its Node 22 releases is noise here
  if (!rgwAvailable()) throw new Error(`Ceph RGW is needed for these tests: ${INSTALL_HINT}`);
  rgw = await startRgw();
  env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: rgw.accessKeyId,
    AWS_SECRET_ACCESS_KEY: rgw.secretAccessKey,
    AWS_REGION: 'us-east-1',
  };
  delete env.AWS_PROFILE;
  delete env.AWS_SESSION_TOKEN;
  const s3 = new S3Client({
    endpoint: rgw.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  } catch (e) {
    // A reused server (RGW_ENDPOINT) may have it already.
    if (!/BucketAlreadyOwnedByYou|BucketAlreadyExists/.test((e as Error).name)) throw e;
  } finally {
    s3.destroy();
  }
}, 120_000);

afterAll(async () => {
  await rgw?.stop();
  work.remove();
});

const s3Options = (bucket = BUCKET) => ['--backend', 's3', '--s3-endpoint', rgw!.endpoint, '--bucket', bucket];

describe('the <kv.h> contract on Ceph RGW', () => {
  it('every contract case, then a randomized run', async () => {
    const r = await runKvcheck({
      vm: s3Options(),
      prefix: uniquePrefix('rgw'),
      threads: 4,
      ops: 80,
      seed: 7,
      phases: 'contract,private,shared',
      cwd: work.dir,
      env,
    });
    expectAllPassed(r, [...CONTRACT_CHECKS, PRIVATE_CHECK, SHARED_CHECK]);
  });

  it('keys stored by one VM are read by the next, and --prefix separates stores', async () => {
    const prefix = uniquePrefix('rgw-persist');
    const run = (vm: string[], phase: string) => runKvcheck({ vm, prefix, phases: phase, cwd: work.dir, env });
    expectAllPassed(await run(s3Options(), 'persist-write'), ['persist write']);
    expectAllPassed(await run(s3Options(), 'persist-read'), ['persist read']);
    const other = await run([...s3Options(), '--prefix', 'elsewhere-'], 'persist-read');
    expect(other.stdout.toString()).toMatch(/^persist read: FAILED$/m);
  });

  it('64 threads on 1 vCPU have 64 puts in flight at RGW', async () => {
    const r = await runVmAsync([KVBENCH, ...s3Options(), '--stats', '--', '64', '1', '100', '4096', uniquePrefix('rgw-flight')], { cwd: work.dir, env });
    expect(r.status, r.stderr).toBe(0);
    // A put blocks only its thread, so nearly all 64 are at RGW together (a put that held
    // the vCPU would make it 1). The first answers may come back before the last thread
    // has submitted when the host is busy, so the count is not always exactly 64.
    const peak = Number(/^Key-value requests in flight at once \(peak, at the backend\): (\d+)$/m.exec(r.stderr)?.[1]);
    expect(peak, r.stderr).toBeGreaterThanOrEqual(60);
    expect(peak, r.stderr).toBeLessThanOrEqual(64);
  });

  it('a bucket that does not exist: every call returns -1, the guest runs to its end', async () => {
    const r = await runVmAsync([KVBENCH, ...s3Options('no-such-bucket-here'), '--', '2', '3', '50', '16', uniquePrefix('rgw-nobucket')], {
      cwd: work.dir,
      env,
    });
    const out = r.stdout.toString();
    expect(out, r.stderr).toMatch(/calls failed \(first status -1\)/);
    expect(out).toMatch(/^kvbench threads=2 ops=6 /m);
    expect(r.status).toBe(1);
  });
});
