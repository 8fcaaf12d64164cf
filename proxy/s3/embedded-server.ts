// An S3-compatible server inside the VMM's process, on loopback, for the default
// `--backend s3` with no endpoint: s3rver, storing objects as files, on a worker
// thread of its own (see s3rver-thread.ts for why).
//
// s3rver is unmaintained and has defects with unusual object names and concurrent
// same-key access (docs/kv-backends.md). The s3 backend never shows it either:
// names are 64 hex digits, bodies are Buffers, and one key is served at a time.
// It is reached only through the S3 protocol, so a real S3 can replace it.

import { createRequire } from 'node:module';
import { once } from 'node:events';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

import type { S3Credentials } from '../kv/s3-client.js';
import { S3RVER_THREAD_SOURCE, type S3rverThreadCommand, type S3rverThreadData, type S3rverThreadReport } from './s3rver-thread.js';
import { makeDirectory } from '../kv/make-directory.js';

export interface EmbeddedS3Options {
  /** Where s3rver keeps buckets and objects (the VMM passes <cwd>/.kvstore/s3). */
  directory: string;
  /** The bucket to create (default "unikv"). */
  bucket?: string;
  /** TCP port on 127.0.0.1 (default 0: any free port). */
  port?: number;
  /** Called once if the server dies on its own (never after stop()). */
  onCrash?: (reason: string) => void;
}

export interface EmbeddedS3 {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  bucket: string;
  region: string;
  /** s3rver's fixed account; it checks signatures made with these. */
  credentials: S3Credentials;
  directory: string;
  /** The file that holds an object's body (s3rver's layout), for failure lines. */
  objectFile(objectName: string): string;
  /** Closes the listener and every connection and ends the thread. */
  stop(): Promise<void>;
}

export const EMBEDDED_BUCKET = 'unikv';
const S3RVER_ACCOUNT: S3Credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
/** How long a polite stop may take before the thread is terminated. */
const STOP_GRACE_MS = 1_000;

export async function startEmbeddedS3(options: EmbeddedS3Options): Promise<EmbeddedS3> {
  const bucket = options.bucket ?? EMBEDDED_BUCKET;
  await makeDirectory(options.directory);
  const workerData: S3rverThreadData = {
    s3rverPath: createRequire(import.meta.url).resolve('s3rver'),
    directory: options.directory,
    bucket,
    port: options.port ?? 0,
  };
  const worker = new Worker(S3RVER_THREAD_SOURCE, { eval: true, workerData });
  const port = await waitUntilReady(worker);

  let stopping: Promise<void> | undefined;
  let crashed = false;
  const reportCrash = (reason: string) => {
    if (stopping || crashed) return;
    crashed = true;
    options.onCrash?.(reason);
  };
  const endpoint = `http://127.0.0.1:${port}`;
  worker.on('error', (error) => reportCrash(`embedded s3rver at ${endpoint} failed (${shorten(error.message)})`));
  worker.on('exit', (code) => reportCrash(`embedded s3rver at ${endpoint} stopped unexpectedly (exit code ${code})`));
  // A VMM that forgets to close its backend must still exit when the guest does.
  worker.unref();

  return {
    endpoint,
    bucket,
    region: 'us-east-1',
    credentials: { ...S3RVER_ACCOUNT },
    directory: options.directory,
    objectFile: (objectName) => join(options.directory, bucket, `${objectName}._S3rver_object`),
    stop: () => (stopping ??= stopThread(worker)),
  };
}

function waitUntilReady(worker: Worker): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const onMessage = (report: S3rverThreadReport) => {
      if (report.type === 'ready') settle(() => resolve(report.port));
      else fail(report.type === 'failed' ? report.message : `unexpected report ${report.type}`);
    };
    const onError = (error: Error) => fail(error.message);
    const onExit = (code: number) => fail(`thread exited with code ${code}`);
    const settle = (outcome: () => void) => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      outcome();
    };
    const fail = (reason: string) =>
      settle(() => {
        void worker.terminate();
        reject(new Error(`embedded s3rver did not start: ${reason}`));
      });
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
}

async function stopThread(worker: Worker): Promise<void> {
  if (worker.threadId < 0) return; // the thread has already exited (a crash)
  const stopped = once(worker, 'message');
  const command: S3rverThreadCommand = { type: 'stop' };
  worker.postMessage(command);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([stopped.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, STOP_GRACE_MS)))]);
  clearTimeout(timer);
  await worker.terminate();
}

/** s3rver's errors may quote a whole file path; one stderr line should stay short. */
function shorten(text: string, limit = 160): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}...`;
}
