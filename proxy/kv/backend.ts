// The interface every key-value backend implements, and the rules of its arguments.
//
// Backends are host-side storage drivers: they see keys and values as bytes and know
// nothing of guest memory, I/O ports or the VMM. The layer above turns a guest's
// put(key, value, 0) into delete(key), so put always carries a value.

import { MAX_KEY_BYTES, MAX_VALUE_BYTES } from '../../channel/kv-limits.js';
import type { BackendName } from '../../channel/proxy-control.js';
import { InvalidArgumentError, type FailureKind } from './errors.js';

/** The longest key (bytes before the NUL) and value <kv.h> allows, generated from the ABI spec. */
export { MAX_KEY_BYTES, MAX_VALUE_BYTES };

export type { BackendName };
export type KvOperation = 'get' | 'put' | 'delete';

export interface KvStats {
  /** Requests received, by operation, whether they succeeded or not. */
  requests: Record<KvOperation, number>;
  /** Failed requests, by kind of failure. */
  failures: Partial<Record<FailureKind, number>>;
  /** Requests currently being served. */
  inFlight: number;
  /** The most requests ever served at the same time. */
  peakInFlight: number;
}

export interface KvBackend {
  readonly name: BackendName;
  /** One line that says where the data lives, for logs and --stats. */
  describe(): string;
  /** The stored value, or undefined when the key is absent. */
  get(key: Buffer): Promise<Buffer | undefined>;
  /** Stores value (1..MAX_VALUE_BYTES bytes) under key, replacing any previous value. */
  put(key: Buffer, value: Buffer): Promise<void>;
  /** Removes key; removing an absent key succeeds. */
  delete(key: Buffer): Promise<void>;
  /** Lets requests in flight finish, rejects new ones, and releases every resource. */
  close(): Promise<void>;
  /** A snapshot of the counters. */
  stats(): KvStats;
}

/** Throws InvalidArgumentError unless key is a legal <kv.h> key: 0..MAX_KEY_BYTES bytes, none 0. */
export function validateKey(key: unknown): asserts key is Buffer {
  if (!Buffer.isBuffer(key)) throw new InvalidArgumentError('invalid-key', 'key must be a Buffer');
  if (key.length > MAX_KEY_BYTES) {
    throw new InvalidArgumentError('invalid-key', `key is ${key.length} bytes; at most ${MAX_KEY_BYTES} allowed`);
  }
  if (key.includes(0)) {
    throw new InvalidArgumentError('invalid-key', 'key contains a NUL byte');
  }
}

/** Throws InvalidArgumentError unless value holds 1..MAX_VALUE_BYTES bytes. */
export function validateValue(value: unknown): asserts value is Buffer {
  if (!Buffer.isBuffer(value)) throw new InvalidArgumentError('invalid-value', 'value must be a Buffer');
  if (value.length === 0) {
    throw new InvalidArgumentError('invalid-value', 'value is empty; delete the key instead');
  }
  if (value.length > MAX_VALUE_BYTES) {
    throw new InvalidArgumentError('invalid-value', `value is ${value.length} bytes; at most ${MAX_VALUE_BYTES} allowed`);
  }
}
