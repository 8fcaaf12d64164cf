// The code of the thread that hosts s3rver, and the messages it exchanges.
//
// s3rver runs on a worker thread of its own rather than on the proxy's event loop:
// the S3 client and the server then use two cores instead of sharing one (up to
// twice the requests per second, docs/kv-backends.md), and an exception inside s3rver ends that
// thread, not the VMM. The thread's few lines travel as a string (Worker's `eval`)
// because a worker needs JavaScript on disk or in memory, and this project's
// sources run both compiled and through the test runner's TypeScript transform.
// The thread serves objects through CheckedStore (checked-store.ts), not s3rver's
// own file store, so that one damaged object fails only its own key.

import { CHECKED_STORE_SOURCE } from './checked-store.js';

/** What the thread receives as workerData. */
export interface S3rverThreadData {
  /** Resolved path of the s3rver package, so the thread loads the same copy. */
  s3rverPath: string;
  directory: string;
  bucket: string;
  port: number;
}

/** Messages from the thread. */
export type S3rverThreadReport = { type: 'ready'; port: number } | { type: 'failed'; message: string } | { type: 'stopped' };

/** Messages to the thread. */
export type S3rverThreadCommand = { type: 'stop' };

export const S3RVER_THREAD_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const S3rver = require(workerData.s3rverPath);
${CHECKED_STORE_SOURCE}

const server = new S3rver({
  address: '127.0.0.1',
  port: workerData.port,
  silent: true, // mutes its request log and Koa's error printing
  directory: workerData.directory,
  configureBuckets: [{ name: workerData.bucket }],
  vhostBuckets: false, // path-style only: the host is 127.0.0.1, not a bucket
});
// Request handlers reach the store through the shared context.
server.store = server.context.store = new CheckedStore(workerData.directory);

parentPort.on('message', async (command) => {
  if (command.type !== 'stop') return;
  const closed = server.close();
  // close() waits for keep-alive connections to go idle; drop them now instead.
  if (server.httpServer) server.httpServer.closeAllConnections();
  await closed.catch(() => undefined);
  parentPort.postMessage({ type: 'stopped' });
  parentPort.close();
});

server.run().then(
  (address) => parentPort.postMessage({ type: 'ready', port: address.port }),
  (error) => parentPort.postMessage({ type: 'failed', message: String(error && error.message || error) }),
);
`;
