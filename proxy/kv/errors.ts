// Typed failures of the key-value backends.
//
// Every error a backend rejects with is a KvError carrying a FailureKind, so the
// layer above can map it to a guest status (-1) and the statistics can count it
// without parsing messages.

export type FailureKind =
  | 'invalid-key' // the key breaks the <kv.h> rules (length, NUL byte, not a Buffer)
  | 'invalid-value' // the value is empty, too long or not a Buffer
  | 'closed' // the backend was closed before or during the request
  | 'unreachable' // the storage server refused or dropped the connection
  | 'timeout' // the storage did not answer within the configured time
  | 'access-denied' // credentials missing, wrong, or not allowed
  | 'no-such-bucket' // the configured S3 bucket does not exist
  | 'server-error' // the storage server answered with an error of its own
  | 'no-space' // the disk is full
  | 'corrupt-record' // a stored record failed its integrity checks
  | 'io-error' // any other local file-system failure
  | 'unexpected'; // anything not classified above

export class KvError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KvError';
  }
}

/** A request broke the interface's rules; the caller, not the storage, is at fault. */
export class InvalidArgumentError extends KvError {
  constructor(kind: 'invalid-key' | 'invalid-value', message: string) {
    super(kind, message);
    this.name = 'InvalidArgumentError';
  }
}

/** The bytes read back are not a well-formed record (truncated, torn or foreign). */
export class CorruptRecordError extends KvError {
  constructor(reason: string) {
    super('corrupt-record', `corrupt record: ${reason}`);
    this.name = 'CorruptRecordError';
  }
}

/**
 * Whether a failure says something about the storage worth a line on stderr. A
 * guest passing a bad key is the guest's business, and requests after close are
 * the VMM shutting down.
 */
export function isStorageFailure(kind: FailureKind): boolean {
  return kind !== 'invalid-key' && kind !== 'invalid-value' && kind !== 'closed';
}

/** Node's system error code (ENOENT, ECONNREFUSED, ...) if the error has one. */
export function systemErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // A connection attempt over several addresses fails with an AggregateError
  // whose own code may be missing; its first member names the cause.
  const members = (error as { errors?: unknown }).errors;
  if (Array.isArray(members) && members.length > 0) return systemErrorCode(members[0]);
  return undefined;
}
