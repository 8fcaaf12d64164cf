// The one record format the fs and s3 backends store: the key travels with its
// value, so a read can prove it found the key it asked for.
//
//   offset  size  field
//   0       4     magic "UKVR"
//   4       1     format version (1)
//   5       2     key length K, big-endian (0..1024)
//   7       2     value length V, big-endian (1..4096)
//   9       K     key bytes
//   9+K     V     value bytes
//   9+K+V   4     CRC-32 (zlib's) of bytes 0 .. 9+K+V-1, big-endian
//
// The lengths and the CRC make a truncated, torn or foreign file an error
// (CorruptRecordError) instead of a wrong value.

import { crc32 } from 'node:zlib';
import { MAX_KEY_BYTES, MAX_VALUE_BYTES } from './backend.js';
import { CorruptRecordError } from './errors.js';

const MAGIC = Buffer.from('UKVR', 'ascii');
export const RECORD_VERSION = 1;
const HEADER_BYTES = 9;
const CHECKSUM_BYTES = 4;
/** Bytes of a record around its key and value. */
export const RECORD_OVERHEAD = HEADER_BYTES + CHECKSUM_BYTES;
/** The largest record a legal key and value can produce. */
export const MAX_RECORD_BYTES = RECORD_OVERHEAD + MAX_KEY_BYTES + MAX_VALUE_BYTES;

export interface KvRecord {
  key: Buffer;
  value: Buffer;
}

/** Serialises a (validated) key and value into one record. */
export function encodeRecord(key: Buffer, value: Buffer): Buffer {
  const record = Buffer.allocUnsafe(RECORD_OVERHEAD + key.length + value.length);
  MAGIC.copy(record, 0);
  record.writeUInt8(RECORD_VERSION, 4);
  record.writeUInt16BE(key.length, 5);
  record.writeUInt16BE(value.length, 7);
  key.copy(record, HEADER_BYTES);
  value.copy(record, HEADER_BYTES + key.length);
  const checksumAt = HEADER_BYTES + key.length + value.length;
  record.writeUInt32BE(crc32(record.subarray(0, checksumAt)), checksumAt);
  return record;
}

/** Parses a record, checking every field; throws CorruptRecordError on any defect. */
export function decodeRecord(bytes: Uint8Array): KvRecord {
  const record = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (record.length < RECORD_OVERHEAD) {
    throw new CorruptRecordError(`${record.length} bytes is shorter than any record`);
  }
  if (!record.subarray(0, MAGIC.length).equals(MAGIC)) throw new CorruptRecordError('bad magic');
  const version = record.readUInt8(4);
  if (version !== RECORD_VERSION) throw new CorruptRecordError(`unknown format version ${version}`);
  const keyLength = record.readUInt16BE(5);
  const valueLength = record.readUInt16BE(7);
  if (keyLength > MAX_KEY_BYTES) throw new CorruptRecordError(`key length ${keyLength} out of range`);
  if (valueLength < 1 || valueLength > MAX_VALUE_BYTES) {
    throw new CorruptRecordError(`value length ${valueLength} out of range`);
  }
  const expected = RECORD_OVERHEAD + keyLength + valueLength;
  if (record.length !== expected) {
    throw new CorruptRecordError(`${record.length} bytes where the header promises ${expected}`);
  }
  const checksumAt = expected - CHECKSUM_BYTES;
  if (record.readUInt32BE(checksumAt) !== crc32(record.subarray(0, checksumAt))) {
    throw new CorruptRecordError('checksum mismatch');
  }
  const key = record.subarray(HEADER_BYTES, HEADER_BYTES + keyLength);
  if (key.includes(0)) throw new CorruptRecordError('stored key contains a NUL byte');
  return { key, value: record.subarray(HEADER_BYTES + keyLength, checksumAt) };
}

/**
 * The value a record holds for key, or undefined if the record belongs to another
 * key (two keys whose names collide): a collision must read as absent.
 */
export function valueForKey(bytes: Uint8Array, key: Buffer): Buffer | undefined {
  const record = decodeRecord(bytes);
  return record.key.equals(key) ? record.value : undefined;
}
