// Stores each key as one object in an S3 bucket.
//
// Object name: prefix + lowercase hex SHA-256 of the key (key-mapping.ts); body: one
// record (record.ts), sent as a Buffer. Requests for the same key run one at a time
// (keyed-queue.ts); different keys run concurrently up to the socket pool's size.
// Every request has an overall deadline, so a dead or stalled server turns into a
// rejected promise, never a hang.

import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadBucketCommand,
  PutObjectCommand,
  type BucketLocationConstraint,
  type S3Client,
} from '@aws-sdk/client-s3';

import { BackendBase } from './backend-base.js';
import { untilDeadline, pause } from './deadline.js';
import { CorruptRecordError, KvError } from './errors.js';
import type { FailureLog } from './failure-log.js';
import { objectNameForKey } from './key-mapping.js';
import { KeyedQueue } from './keyed-queue.js';
import { MAX_RECORD_BYTES, encodeRecord, valueForKey } from './record.js';
import { createS3Client, type S3Credentials } from './s3-client.js';
import { probeEndpoint } from './endpoint-probe.js';
import { httpStatusOf, isMissingCredentials, isMissingObject, missingCredentialsFailure, s3Failure, type S3Place } from './s3-errors.js';

export interface S3BackendOptions {
  bucket: string;
  /** http(s)://host:port of an S3-compatible server; AWS itself when undefined. */
  endpoint?: string;
  /** Prepended to every object name, e.g. "vm1/" (default none). */
  prefix?: string;
  /** Default: AWS_REGION, then AWS_DEFAULT_REGION, then us-east-1. */
  region?: string;
  /** Default: the standard AWS chain (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, profiles). */
  credentials?: S3Credentials;
  /** Requests on the wire at once, i.e. sockets per server (default 64). */
  concurrency?: number;
  /** Create the bucket at open if it does not exist (default false). */
  createBucket?: boolean;
  /** Time to establish a connection (default 2000 ms). */
  connectionTimeoutMs?: number;
  /** Time for one HTTP attempt, response included (default 4000 ms). */
  requestTimeoutMs?: number;
  /** Attempts per request, the first included (default 3). */
  maxAttempts?: number;
  /** Hard limit on one request from arrival to answer, retries and queueing included (default 10000 ms). */
  operationTimeoutMs?: number;
  /** After a request timed out, new requests fail at once for this long (default 5000 ms). */
  failFastMs?: number;
  failureLog?: FailureLog;
  /** Where the server keeps an object, for failure lines (the embedded server's file). */
  objectFile?: (objectName: string) => string;
  /** Words appended to describe(), e.g. "(embedded s3rver, data in ...)". */
  note?: string;
  /** Runs after the client is closed, e.g. to stop an embedded server. */
  onClose?: () => Promise<void>;
}

export const S3_DEFAULTS = {
  concurrency: 64,
  connectionTimeoutMs: 2_000,
  requestTimeoutMs: 4_000,
  maxAttempts: 3,
  operationTimeoutMs: 10_000,
  failFastMs: 5_000,
} as const;

/**
 * A GET may see a record that is still being written by a server that answers a
 * PUT before its data reaches disk (s3rver does): the record's checks catch it and
 * the read is tried again after these pauses before it counts as corrupt.
 */
const CORRUPT_READ_RETRY_PAUSES_MS = [5, 20, 80];

export class S3Backend extends BackendBase {
  readonly name = 's3' as const;
  private readonly client: S3Client;
  private readonly queue = new KeyedQueue();
  private readonly place: S3Place;
  private readonly prefix: string;
  /**
   * A circuit breaker: after a timeout, until this time (ms since the epoch) requests
   * fail at once instead of each waiting out its own operation timeout.
   */
  private failingUntil = 0;

  private constructor(private readonly options: S3BackendOptions) {
    super(options.failureLog);
    const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
    this.prefix = options.prefix ?? '';
    this.place = {
      endpoint: options.endpoint ?? `https://s3.${region}.amazonaws.com`,
      bucket: options.bucket,
      operationTimeoutMs: options.operationTimeoutMs ?? S3_DEFAULTS.operationTimeoutMs,
    };
    this.client = createS3Client({
      endpoint: options.endpoint,
      region,
      credentials: options.credentials,
      concurrency: options.concurrency ?? S3_DEFAULTS.concurrency,
      connectionTimeoutMs: options.connectionTimeoutMs ?? S3_DEFAULTS.connectionTimeoutMs,
      requestTimeoutMs: options.requestTimeoutMs ?? S3_DEFAULTS.requestTimeoutMs,
      maxAttempts: options.maxAttempts ?? S3_DEFAULTS.maxAttempts,
    });
  }

  /** Builds the client; with createBucket, also makes sure the bucket exists (may reject). */
  static async open(options: S3BackendOptions): Promise<S3Backend> {
    const backend = new S3Backend(options);
    if (options.createBucket) {
      try {
        await backend.ensureBucket();
      } catch (error) {
        await backend.close();
        throw await backend.failureOf(error);
      }
    }
    return backend;
  }

  describe(): string {
    const prefix = this.prefix ? ` prefix "${this.prefix}"` : '';
    const note = this.options.note ? ` ${this.options.note}` : '';
    return `s3 bucket "${this.place.bucket}"${prefix} at ${this.place.endpoint}${note}`;
  }

  protected read(key: Buffer): Promise<Buffer | undefined> {
    return this.serialized(key, (name, deadline) => this.readRecord(name, key, deadline));
  }

  protected write(key: Buffer, value: Buffer): Promise<void> {
    const record = encodeRecord(key, value);
    return this.serialized(key, async (name, deadline) => {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.place.bucket,
          Key: name,
          Body: record,
          ContentLength: record.length,
          ContentType: 'application/octet-stream',
        }),
        { abortSignal: deadline },
      );
    });
  }

  protected remove(key: Buffer): Promise<void> {
    return this.serialized(key, async (name, deadline) => {
      try {
        await this.client.send(new DeleteObjectCommand({ Bucket: this.place.bucket, Key: name }), {
          abortSignal: deadline,
        });
      } catch (error) {
        // S3 answers 204 for a missing object; some servers say 404 instead.
        if (!isMissingObject(error)) throw error;
      }
    });
  }

  protected async shutdown(): Promise<void> {
    this.client.destroy();
    await this.options.onClose?.();
  }

  /**
   * Runs op in key's queue under one deadline, and turns any failure into a KvError.
   * A timeout opens the breaker: for failFastMs the next requests fail at once.
   */
  private async serialized<T>(key: Buffer, op: (name: string, deadline: AbortSignal) => Promise<T>): Promise<T> {
    const failFastMs = this.options.failFastMs ?? S3_DEFAULTS.failFastMs;
    if (Date.now() < this.failingUntil) {
      throw new KvError(
        'timeout',
        `s3 backend at ${this.place.endpoint} did not answer; failing its requests at once for ${failFastMs / 1000} s after a timeout`,
      );
    }
    const name = objectNameForKey(this.prefix, key);
    const deadline = AbortSignal.timeout(this.place.operationTimeoutMs);
    try {
      return await untilDeadline(
        this.queue.run(name, () => op(name, deadline), deadline),
        deadline,
      );
    } catch (error) {
      const failure = await this.failureOf(error);
      if (failure.kind === 'timeout' && failFastMs > 0) this.failingUntil = Date.now() + failFastMs;
      throw failure;
    }
  }

  /** The KvError for a failed request; one that never reached the network asks the endpoint whether it answers. */
  private async failureOf(error: unknown): Promise<KvError> {
    if (!isMissingCredentials(error)) return s3Failure(error, this.place);
    const probeMs = Math.min(this.options.requestTimeoutMs ?? S3_DEFAULTS.requestTimeoutMs, this.place.operationTimeoutMs);
    return missingCredentialsFailure(error, this.place, await probeEndpoint(this.place.endpoint, probeMs));
  }

  private async readRecord(name: string, key: Buffer, deadline: AbortSignal): Promise<Buffer | undefined> {
    for (let attempt = 0; ; attempt++) {
      const bytes = await this.getObjectBytes(name, deadline);
      if (bytes === undefined) return undefined;
      try {
        return valueForKey(bytes, key);
      } catch (error) {
        if (!(error instanceof CorruptRecordError)) throw error;
        const pauseMs = CORRUPT_READ_RETRY_PAUSES_MS[attempt];
        if (pauseMs === undefined) {
          const file = this.options.objectFile ? `file ${this.options.objectFile(name)}: ` : '';
          throw new KvError(
            'corrupt-record',
            `s3 backend at ${this.place.endpoint} holds a damaged object ${this.place.bucket}/${name} (${file}${error.message})`,
          );
        }
        await pause(pauseMs, deadline);
      }
    }
  }

  /** The object's bytes, or undefined if it does not exist. Always drains or destroys the body. */
  private async getObjectBytes(name: string, deadline: AbortSignal): Promise<Uint8Array | undefined> {
    let response: GetObjectCommandOutput;
    try {
      response = await this.client.send(new GetObjectCommand({ Bucket: this.place.bucket, Key: name }), {
        abortSignal: deadline,
      });
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw error;
    }
    const body = response.Body;
    if (body === undefined) throw new CorruptRecordError('the server sent no body');
    // An unread body holds its socket forever; destroy it on every early exit.
    const discard = () => (body as { destroy?: (error?: Error) => void }).destroy?.();
    if (response.ContentLength !== undefined && response.ContentLength > MAX_RECORD_BYTES) {
      discard();
      throw new CorruptRecordError(`${response.ContentLength} bytes is longer than any record`);
    }
    deadline.addEventListener('abort', discard, { once: true });
    try {
      return await body.transformToByteArray();
    } catch (error) {
      discard();
      throw error;
    } finally {
      deadline.removeEventListener('abort', discard);
    }
  }

  private async ensureBucket(): Promise<void> {
    const Bucket = this.place.bucket;
    const abortSignal = AbortSignal.timeout(this.place.operationTimeoutMs);
    try {
      await this.client.send(new HeadBucketCommand({ Bucket }), { abortSignal });
      return;
    } catch (error) {
      if (httpStatusOf(error) !== 404 && !isMissingObject(error)) throw error;
    }
    const region = await this.client.config.region();
    try {
      await this.client.send(
        new CreateBucketCommand({
          Bucket,
          // us-east-1 is the one region that must not be named here.
          CreateBucketConfiguration: region === 'us-east-1' ? undefined : { LocationConstraint: region as BucketLocationConstraint },
        }),
        { abortSignal },
      );
    } catch (error) {
      // Another process may have created it in the meantime.
      const name = (error as { name?: string }).name;
      if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
    }
  }
}
