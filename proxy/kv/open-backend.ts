// Builds the backend the VMM's --backend option names, from a plain options object.

import { join } from 'node:path';

import type { BackendName, KvBackend } from './backend.js';
import { FailureLog } from './failure-log.js';
import { FsBackend } from './fs-backend.js';
import { MemoryBackend } from './memory-backend.js';
// The S3 modules (the AWS SDK, s3rver) take a few hundred milliseconds to load, so
// they are imported only when an S3 backend is actually opened.
const loadS3 = () => import('./s3-backend.js');
const loadEmbedded = () => import('../s3/embedded-server.js');

export interface OpenBackendOptions {
  backend: BackendName;
  /** fs: the store's directory (default <cwd>/.kvstore/fs). s3 without an
   * endpoint: the embedded server's data directory (default <cwd>/.kvstore/s3). */
  dir?: string;
  /** s3: an S3-compatible server; when absent, an embedded s3rver is started. */
  s3Endpoint?: string;
  /** s3: the bucket (default "unikv"). */
  bucket?: string;
  /** s3: prepended to object names (default none). */
  prefix?: string;
  /** s3: the region (default AWS_REGION, AWS_DEFAULT_REGION, us-east-1). */
  region?: string;
  /** s3: requests on the wire at once (default 64). */
  concurrency?: number;
  /** s3: create the bucket if missing (default false; the embedded server makes its own). */
  createBucket?: boolean;
  /** s3: hard limit on one request in ms (default 10000). */
  operationTimeoutMs?: number;
  /** fs: fsync each put (default true). */
  durable?: boolean;
  /** Base of the default directories (default process.cwd()). */
  cwd?: string;
  /** Where failures are reported (default: one line per kind on stderr). */
  failureLog?: FailureLog;
}

export const DEFAULT_BUCKET = 'unikv';

export async function openBackend(options: OpenBackendOptions): Promise<KvBackend> {
  const cwd = options.cwd ?? process.cwd();
  const failureLog = options.failureLog ?? new FailureLog();
  switch (options.backend) {
    case 'memory':
      return new MemoryBackend(failureLog);
    case 'fs':
      return FsBackend.open({
        directory: options.dir ?? join(cwd, '.kvstore', 'fs'),
        durable: options.durable,
        failureLog,
      });
    case 's3':
      return options.s3Endpoint === undefined
        ? openEmbeddedS3(options, cwd, failureLog)
        : (await loadS3()).S3Backend.open({
            endpoint: options.s3Endpoint,
            bucket: options.bucket ?? DEFAULT_BUCKET,
            prefix: options.prefix,
            region: options.region,
            concurrency: options.concurrency,
            createBucket: options.createBucket ?? false,
            operationTimeoutMs: options.operationTimeoutMs,
            failureLog,
          });
    default:
      throw new Error(`unknown backend "${String(options.backend)}" (expected memory, fs or s3)`);
  }
}

async function openEmbeddedS3(options: OpenBackendOptions, cwd: string, failureLog: FailureLog): Promise<KvBackend> {
  const directory = options.dir ?? join(cwd, '.kvstore', 's3');
  const server = await (await loadEmbedded()).startEmbeddedS3({
    directory,
    bucket: options.bucket ?? DEFAULT_BUCKET,
    // Requests will fail as unreachable; this line says why.
    onCrash: (reason) => failureLog.report('unreachable', reason),
  });
  try {
    return await (await loadS3()).S3Backend.open({
      endpoint: server.endpoint,
      bucket: server.bucket,
      region: server.region,
      credentials: server.credentials,
      prefix: options.prefix,
      concurrency: options.concurrency,
      // s3rver makes the bucket as it starts (configureBuckets); a check would list it.
      createBucket: options.createBucket ?? false,
      operationTimeoutMs: options.operationTimeoutMs,
      failureLog,
      objectFile: server.objectFile,
      note: `(embedded s3rver, data in ${directory})`,
      onClose: () => server.stop(),
    });
  } catch (error) {
    await server.stop();
    throw error;
  }
}
