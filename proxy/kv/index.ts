// The proxy's storage backends, as the VMM sees them.

export { MAX_KEY_BYTES, MAX_VALUE_BYTES, validateKey, validateValue } from './backend.js';
export type { BackendName, KvBackend, KvOperation, KvStats } from './backend.js';
export { CorruptRecordError, InvalidArgumentError, KvError } from './errors.js';
export type { FailureKind } from './errors.js';
export { FailureLog } from './failure-log.js';
export type { LineWriter } from './failure-log.js';
export { DEFAULT_BUCKET, openBackend } from './open-backend.js';
export type { OpenBackendOptions } from './open-backend.js';
