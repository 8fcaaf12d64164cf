// A damaged file in a store's directory fails only the key it belongs to, with a line
// that names the store and the file; every other key still reads. Both stores that
// keep files: the fs backend and the embedded S3 server (s3rver), each with its real
// files damaged three ways (empty, cut short, garbage).

import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import type { KvBackend } from '../../../proxy/kv/backend.js';
import type { KvError } from '../../../proxy/kv/errors.js';
import { FailureLog } from '../../../proxy/kv/failure-log.js';
import { objectNameForKey, shardedPathForKey } from '../../../proxy/kv/key-mapping.js';
import { openBackend } from '../../../proxy/kv/open-backend.js';
import { key } from '../../helpers/backend-contract.js';
import { tempDirs } from '../../helpers/temp-dirs.js';

const tempDir = tempDirs('unikv-damaged-');

type Damage = 'empty' | 'truncated' | 'garbage';
const DAMAGES: Damage[] = ['empty', 'truncated', 'garbage'];

/** Damages a file in place, the way a crash, a full disk or a stray write would. */
function damage(file: string, how: Damage): void {
  if (how === 'empty') truncateSync(file, 0);
  else if (how === 'truncated') truncateSync(file, Math.floor(readFileSync(file).length / 2));
  else writeFileSync(file, Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 167 + 13) & 0xff)));
}

interface StoreKind {
  label: string;
  backend: 'fs' | 's3';
  /** The files that make up one key, by role. */
  files: Record<string, (dir: string, k: Buffer) => string>;
}

const s3rverFile = (suffix: string) => (dir: string, k: Buffer) => join(dir, 'unikv', `${objectNameForKey('', k)}._S3rver_${suffix}`);

const STORES: StoreKind[] = [
  { label: 'fs backend', backend: 'fs', files: { record: (dir, k) => join(dir, ...shardedPathForKey(k)) } },
  {
    label: 'embedded s3 server',
    backend: 's3',
    files: { metadata: s3rverFile('metadata.json'), md5: s3rverFile('object.md5'), data: s3rverFile('object') },
  },
];

const KEYS = ['alpha', 'victim', 'gamma', 'delta'].map(key);
const VICTIM = KEYS[1];
const valueFor = (k: Buffer) => Buffer.concat([Buffer.from('value of '), k]);

async function filledStore(store: StoreKind): Promise<string> {
  const dir = tempDir();
  const kv = await openBackend({ backend: store.backend, dir, durable: false, failureLog: new FailureLog(() => {}) });
  for (const k of KEYS) await kv.put(k, valueFor(k));
  await kv.close();
  return dir;
}

async function reopen(store: StoreKind, dir: string, lines: string[], createBucket?: boolean): Promise<KvBackend> {
  return openBackend({ backend: store.backend, dir, durable: false, createBucket, failureLog: new FailureLog((line) => lines.push(line)) });
}

for (const store of STORES) {
  describe(`a damaged file in the ${store.label}`, () => {
    for (const [role, fileOf] of Object.entries(store.files)) {
      for (const how of DAMAGES) {
        it(`${how} ${role} file: that key fails, naming the file; the others read`, async () => {
          const dir = await filledStore(store);
          const file = fileOf(dir, VICTIM);
          damage(file, how);
          const lines: string[] = [];
          const kv = await reopen(store, dir, lines);
          try {
            const error = (await kv.get(VICTIM).catch((e: unknown) => e)) as KvError;
            expect(error.kind).toBe('corrupt-record');
            expect(error.message).toContain(file);
            for (const k of KEYS.filter((k) => k !== VICTIM)) expect(await kv.get(k)).toEqual(valueFor(k));
            expect(lines).toHaveLength(1);
            expect(lines[0]).toContain(file);
            expect(lines[0]).toContain(dir);
            // Writing the key again repairs it.
            await kv.put(VICTIM, key('new'));
            expect(await kv.get(VICTIM)).toEqual(key('new'));
          } finally {
            await kv.close();
          }
        });
      }
    }
  });
}

describe('the embedded s3 server with damaged objects', () => {
  it('still answers a bucket check, which lists every object', async () => {
    const store = STORES[1];
    const dir = await filledStore(store);
    damage(s3rverFile('metadata.json')(dir, VICTIM), 'empty');
    damage(s3rverFile('object.md5')(dir, KEYS[2]), 'garbage');
    const lines: string[] = [];
    const kv = await reopen(store, dir, lines, true);
    try {
      expect(await kv.get(KEYS[0])).toEqual(valueFor(KEYS[0]));
      expect(await kv.get(KEYS[3])).toEqual(valueFor(KEYS[3]));
      expect(((await kv.get(VICTIM).catch((e: unknown) => e)) as KvError).kind).toBe('corrupt-record');
    } finally {
      await kv.close();
    }
  });
});
