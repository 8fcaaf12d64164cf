// Sorts the S3 client's errors into failure kinds with one readable line each.

import type { EndpointAnswer } from './endpoint-probe.js';
import { KvError, systemErrorCode, type FailureKind } from './errors.js';

export interface S3Place {
  /** Where the server is, as the user would write it. */
  endpoint: string;
  bucket: string;
  /** The overall deadline of one request, to report timeouts. */
  operationTimeoutMs: number;
}

/**
 * The error code the embedded server (proxy/s3/checked-store.ts) answers a GET with
 * when one of the object's own files is damaged; its message names the store and
 * the file.
 */
export const DAMAGED_OBJECT_CODE = 'UnikvDamagedObject';

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const TIMEOUT_NAMES = new Set(['TimeoutError', 'AbortError', 'RequestTimeout']);
const ACCESS_NAMES = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken']);

interface SdkErrorShape {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** The HTTP status of an S3 error response, if the error came from one. */
export function httpStatusOf(error: unknown): number | undefined {
  return (error as SdkErrorShape | undefined)?.$metadata?.httpStatusCode;
}

/** True for the errors S3 servers send when an object does not exist. */
export function isMissingObject(error: unknown): boolean {
  const name = (error as SdkErrorShape | undefined)?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || httpStatusOf(error) === 404;
}

/** True when the SDK found no credentials to sign with: nothing reached the network. */
export function isMissingCredentials(error: unknown): boolean {
  return (error as SdkErrorShape | undefined)?.name === 'CredentialsProviderError';
}

/**
 * The failure for a request that had no credentials, once the endpoint was asked
 * whether it answers at all (endpoint-probe.ts): a dead endpoint is said as such.
 */
export function missingCredentialsFailure(error: unknown, place: S3Place, answer: EndpointAnswer): KvError {
  const at = place.endpoint;
  const also = `; no AWS credentials are set either (${SET_CREDENTIALS})`;
  switch (answer.kind) {
    case 'answered':
      return s3Failure(error, place);
    case 'refused':
      return new KvError('unreachable', `${unreachableLine(at, answer.code)}${also}`, { cause: error });
    case 'silent':
      return new KvError('timeout', `s3 backend at ${at} did not answer within ${answer.afterMs} ms${also}`, { cause: error });
  }
}

export function s3Failure(error: unknown, place: S3Place): KvError {
  if (error instanceof KvError) return error;
  const { kind, description } = classify(error, place);
  return new KvError(kind, description, { cause: error });
}

const SET_CREDENTIALS = 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE';

/** What a failed connection means, in words, with its code. */
function unreachableLine(at: string, code: string): string {
  const what =
    code === 'ECONNREFUSED'
      ? 'it refused the connection'
      : code === 'ECONNRESET' || code === 'EPIPE'
        ? 'it dropped the connection'
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? 'its host name does not resolve'
          : code === 'EHOSTUNREACH' || code === 'ENETUNREACH'
            ? 'no route to its host'
            : 'the connection failed';
  return `s3 backend unreachable at ${at}: ${what} (${code})`;
}

function classify(error: unknown, place: S3Place): { kind: FailureKind; description: string } {
  const at = place.endpoint;
  const name = (error as SdkErrorShape | undefined)?.name ?? '';
  const code = systemErrorCode(error);
  const status = httpStatusOf(error);
  // Before the timeout test: the SDK renames ECONNRESET and EPIPE errors TimeoutError.
  if (code !== undefined && UNREACHABLE_CODES.has(code)) {
    return { kind: 'unreachable', description: unreachableLine(at, code) };
  }
  if (TIMEOUT_NAMES.has(name) || code === 'ETIMEDOUT' || code === 'ABORT_ERR') {
    return {
      kind: 'timeout',
      description: `s3 backend at ${at} did not answer within ${place.operationTimeoutMs} ms`,
    };
  }
  if (isMissingCredentials(error)) {
    return { kind: 'access-denied', description: `s3 backend at ${at} has no credentials (${SET_CREDENTIALS})` };
  }
  if (name === DAMAGED_OBJECT_CODE) {
    return { kind: 'corrupt-record', description: `s3 backend at ${at} holds a damaged object ${(error as Error).message}` };
  }
  if (name === 'NoSuchBucket') {
    return { kind: 'no-such-bucket', description: `s3 bucket "${place.bucket}" does not exist at ${at}` };
  }
  if (ACCESS_NAMES.has(name) || status === 401 || status === 403) {
    return {
      kind: 'access-denied',
      description: `s3 backend at ${at} refused access to bucket "${place.bucket}" (${name || status}; check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)`,
    };
  }
  if (status !== undefined && status >= 500) {
    return { kind: 'server-error', description: `s3 backend at ${at} answered ${status} ${name}` };
  }
  const detail = code ?? (name || (error instanceof Error ? error.message : String(error)));
  return { kind: 'unexpected', description: `s3 backend at ${at} failed (${detail}${status ? `, HTTP ${status}` : ''})` };
}
