// Builds the AWS SDK client with the settings this project relies on.
//
// - forcePathStyle with a custom endpoint: local servers (s3rver, RGW, MinIO) serve
//   http://host:port/bucket/key, not bucket.host.
// - requestChecksumCalculation / responseChecksumValidation 'WHEN_REQUIRED': the
//   SDK's default CRC32 trailers (2025) break third-party servers.
// - our own keep-alive agents with maxSockets = concurrency, so requests neither
//   queue behind the SDK's default 50 sockets nor open a connection each.
// - a connection timeout, a request timeout that really throws
//   (throwOnRequestTimeout) and a bounded number of attempts; the backend adds an
//   overall deadline per request on top.

import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import * as http from 'node:http';
import * as https from 'node:https';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3ClientSettings {
  /** http(s)://host:port of an S3-compatible server; AWS itself when undefined. */
  endpoint?: string;
  region: string;
  /** The standard AWS chain (AWS_ACCESS_KEY_ID, profiles, ...) when undefined. */
  credentials?: S3Credentials;
  /** Sockets kept per server; as many requests can be on the wire at once. */
  concurrency: number;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  /** Attempts per request, the first included. */
  maxAttempts: number;
}

/** The SDK's own warnings (socket pool full, slow request) would flood stderr; the
 * backend reports failures itself, once per kind. */
const quietLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

export function createS3Client(settings: S3ClientSettings): S3Client {
  // On Node 20 the SDK warns once per process that its releases after January 2027
  // will need Node 22. The lock file holds a release that runs on Node 20, so the
  // warning is noise on the VMM's stderr.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

  const agentOptions = { keepAlive: true, maxSockets: settings.concurrency };
  return new S3Client({
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: settings.endpoint !== undefined,
    credentials: settings.credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: settings.maxAttempts,
    logger: quietLogger,
    requestHandler: new NodeHttpHandler({
      httpAgent: new http.Agent(agentOptions),
      httpsAgent: new https.Agent(agentOptions),
      connectionTimeout: settings.connectionTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      throwOnRequestTimeout: true,
      logger: quietLogger,
    }),
  });
}
