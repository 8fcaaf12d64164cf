import { describe, expect, it } from 'vitest';

import { CorruptRecordError } from '../../../proxy/kv/errors.js';
import { DIGEST_CHARS, keyDigest, objectNameForKey, shardedPathForKey } from '../../../proxy/kv/key-mapping.js';
import { MAX_RECORD_BYTES, decodeRecord, encodeRecord, valueForKey } from '../../../proxy/kv/record.js';
import { everyByte, everyKeyByte, key } from '../../helpers/backend-contract.js';

const awkwardKeys: Array<[string, Buffer]> = [
  ['empty', Buffer.alloc(0)],
  ['1024 bytes', everyKeyByte(1024)],
  ['1024 x 0xff', Buffer.alloc(1024, 0xff)],
  ['bytes 1..255', everyKeyByte(255)],
  ['key', key('key')],
  ['Key', key('Key')],
  ['KEY', key('KEY')],
  ['a/./b', key('a/./b')],
  ['a/b', key('a/b')],
  ['../x', key('../x')],
  ['x', key('x')],
  ['invalid UTF-8', Buffer.from([0xc3, 0x28, 0xff])],
];

describe('key mapping', () => {
  it('gives every key a distinct name, also ignoring case', () => {
    const names = awkwardKeys.map(([, k]) => keyDigest(k));
    expect(new Set(names).size).toBe(awkwardKeys.length);
    expect(new Set(names.map((n) => n.toUpperCase())).size).toBe(awkwardKeys.length);
  });

  it('makes short lowercase hex names with no path characters', () => {
    for (const [label, k] of awkwardKeys) {
      const name = keyDigest(k);
      expect(name, label).toMatch(/^[0-9a-f]{64}$/);
      expect(name.length).toBe(DIGEST_CHARS);
    }
  });

  it('shards files by the first two digits and prefixes object names', () => {
    const digest = keyDigest(key('k'));
    expect(shardedPathForKey(key('k'))).toEqual([digest.slice(0, 2), digest]);
    expect(objectNameForKey('vm1/', key('k'))).toBe(`vm1/${digest}`);
    expect(objectNameForKey('', key('k'))).toBe(digest);
  });

  it('is the SHA-256 of the key bytes (stable across versions)', () => {
    expect(keyDigest(Buffer.alloc(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});

describe('record format', () => {
  it('round-trips keys and values of every size and byte', () => {
    for (const [label, k] of awkwardKeys) {
      for (const value of [Buffer.from([0]), everyByte(256), everyByte(4096, 3)]) {
        const decoded = decodeRecord(encodeRecord(k, value));
        expect(decoded.key.equals(k), label).toBe(true);
        expect(decoded.value.equals(value), label).toBe(true);
      }
    }
    expect(encodeRecord(everyKeyByte(1024), everyByte(4096)).length).toBe(MAX_RECORD_BYTES);
  });

  it('reads a record stored for a different key (a forged collision) as absent', () => {
    const record = encodeRecord(key('other key'), key('other value'));
    expect(valueForKey(record, key('my key'))).toBeUndefined();
    expect(valueForKey(record, key('other key'))).toEqual(key('other value'));
  });

  it('rejects every truncation of a record', () => {
    const record = encodeRecord(key('k'), everyByte(300));
    for (let length = 0; length < record.length; length++) {
      expect(() => decodeRecord(record.subarray(0, length))).toThrow(CorruptRecordError);
    }
    expect(() => decodeRecord(Buffer.concat([record, Buffer.from([0])]))).toThrow(CorruptRecordError);
  });

  it('rejects every single flipped bit', () => {
    const record = encodeRecord(key('key'), key('value'));
    for (let bit = 0; bit < record.length * 8; bit++) {
      const damaged = Buffer.from(record);
      damaged[bit >> 3] ^= 1 << (bit & 7);
      expect(() => decodeRecord(damaged), `bit ${bit}`).toThrow(CorruptRecordError);
    }
  });

  it('rejects foreign bytes, not crashing on them', () => {
    expect(() => decodeRecord(Buffer.from('<?xml version="1.0"?><Error/>'))).toThrow(/bad magic/);
    const future = encodeRecord(key('k'), key('v'));
    future[4] = 2;
    expect(() => decodeRecord(future)).toThrow(/unknown format version 2/);
    for (let seed = 0; seed < 200; seed++) {
      const noise = everyByte(13 + seed * 7, seed * 13);
      expect(() => decodeRecord(noise)).toThrow(CorruptRecordError);
    }
  });

  /** CRC-32 (IEEE, as zlib computes it) of the 11 bytes of the record of key 'k', value 'v'. */
  const CRC32_OF_K_V_RECORD = 0xb7c5decc;

  it('ends a record with the standard CRC-32 of its bytes, big-endian (files written earlier stay readable)', () => {
    const record = encodeRecord(Buffer.from('k'), Buffer.from('v'));
    expect(record.subarray(0, 11)).toEqual(Buffer.from('UKVR\x01\x00\x01\x00\x01kv', 'latin1'));
    expect(record.readUInt32BE(11)).toBe(CRC32_OF_K_V_RECORD);
  });
});
