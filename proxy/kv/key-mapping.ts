// Turns a key (any 0..1024 bytes, none 0) into a storage name.
//
// Names are the lowercase hex SHA-256 of the key: 64 ASCII characters from
// [0-9a-f]. That fits S3's 1024-byte object-key limit for every key (a raw
// 1024-byte key plus a prefix would not, and most keys are not valid UTF-8),
// never contains '/', '.', '..' or upper case, so no path tricks and no clashes on
// case-insensitive file systems, and spreads names evenly over prefixes and
// directories. Two keys with the same hash are told apart by the key stored in
// the record (see record.ts): a collision reads as "absent", never as the other
// key's value.

import { createHash } from 'node:crypto';

/** Length of every name keyDigest returns. */
export const DIGEST_CHARS = 64;

/** The key's lowercase hex SHA-256. */
export function keyDigest(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * Path segments of the key's file under a backend directory: a two-character
 * shard directory (256 of them, so no directory grows past a few thousand entries
 * per million keys) and the full digest.
 */
export function shardedPathForKey(key: Buffer): [shard: string, name: string] {
  const digest = keyDigest(key);
  return [digest.slice(0, 2), digest];
}

/** The S3 object name for key: prefix followed by the digest, with no directory. */
export function objectNameForKey(prefix: string, key: Buffer): string {
  return prefix + keyDigest(key);
}
