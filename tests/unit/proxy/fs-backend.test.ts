import { mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { KvError } from '../../../proxy/kv/errors.js';
import { FailureLog } from '../../../proxy/kv/failure-log.js';
import { FsBackend } from '../../../proxy/kv/fs-backend.js';
import { shardedPathForKey } from '../../../proxy/kv/key-mapping.js';
import { encodeRecord } from '../../../proxy/kv/record.js';
import { backendContract, everyByte, key } from '../../helpers/backend-contract.js';

const scratch: string[] = [];
let currentDir = '';

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'unikv-fs-'));
  scratch.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

backendContract('fs', {
  open: async () => {
    currentDir = await freshDir();
    return FsBackend.open({ directory: currentDir });
  },
  reopen: () => FsBackend.open({ directory: currentDir }),
});

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath ?? e.path, e.name));
}

describe('fs backend on disk', () => {
  it('names files by digest only and leaves no temp files behind', async () => {
    const dir = await freshDir();
    const kv = await FsBackend.open({ directory: dir });
    const keys = ['../x', 'a/./b', 'A/B', '', 'Key', 'KEY'].map(key);
    await Promise.all(keys.map((k, i) => kv.put(k, everyByte(100 + i))));
    await Promise.all(keys.map((k) => kv.put(k, everyByte(4096))));
    await kv.close();

    expect(await readdir(join(dir, '.tmp'))).toEqual([]);
    const files = await listFiles(dir);
    expect(files).toHaveLength(keys.length);
    for (const file of files) {
      expect(file.slice(dir.length)).toMatch(/^\/[0-9a-f]{2}\/[0-9a-f]{64}$/);
    }
  });

  it('replaces a file by rename, never rewriting it in place', async () => {
    const dir = await freshDir();
    const kv = await FsBackend.open({ directory: dir });
    const [shard, name] = shardedPathForKey(key('k'));
    await kv.put(key('k'), key('old'));
    const before = await stat(join(dir, shard, name));
    await kv.put(key('k'), key('new'));
    const after = await stat(join(dir, shard, name));
    // A new inode means the old file was never opened for writing: a crash mid-put
    // leaves the old record whole, and readers holding it open keep reading it.
    expect(after.ino).not.toBe(before.ino);
    await kv.close();
  });

  it('removes temp files a crash left behind when it opens, and ignores them before', async () => {
    const dir = await freshDir();
    const kv = await FsBackend.open({ directory: dir });
    await kv.put(key('k'), key('committed'));
    await kv.close();

    const [, name] = shardedPathForKey(key('k'));
    const leftover = join(dir, '.tmp', `${name}.99999.0`);
    await writeFile(leftover, encodeRecord(key('k'), key('half-writt')).subarray(0, 20));
    const anHourAgo = new Date(Date.now() - 3_600_000);
    await utimes(leftover, anHourAgo, anHourAgo);

    const reopened = await FsBackend.open({ directory: dir });
    expect(await readdir(join(dir, '.tmp'))).toEqual([]);
    expect(await reopened.get(key('k'))).toEqual(key('committed'));
    await reopened.close();
  });

  it('reads a record stored for another key (a hash collision) as absent', async () => {
    const dir = await freshDir();
    const kv = await FsBackend.open({ directory: dir });
    await kv.put(key('victim'), key('x'));
    const [shard, name] = shardedPathForKey(key('victim'));
    await writeFile(join(dir, shard, name), encodeRecord(key('intruder'), key('secret')));
    expect(await kv.get(key('victim'))).toBeUndefined();
    await kv.close();
  });

  it('fails a read of a damaged file with corrupt-record, reported once', async () => {
    const dir = await freshDir();
    const lines: string[] = [];
    const kv = await FsBackend.open({ directory: dir, failureLog: new FailureLog((l) => lines.push(l)) });
    await kv.put(key('k'), everyByte(4096));
    const [shard, name] = shardedPathForKey(key('k'));
    const record = encodeRecord(key('k'), everyByte(4096));
    await writeFile(join(dir, shard, name), record.subarray(0, 1000)); // truncated

    for (let i = 0; i < 5; i++) {
      const error = await kv.get(key('k')).catch((e: unknown) => e);
      expect((error as KvError).kind).toBe('corrupt-record');
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^kv: fs backend found a damaged file .* requests fail with -1\n$/);
    expect(kv.stats().failures).toEqual({ 'corrupt-record': 5 });
    await kv.close();
  });

  it('reports an unusable directory at open as a typed error', async () => {
    const dir = await freshDir();
    const file = join(dir, 'plain-file');
    await writeFile(file, 'not a directory');
    const error = await FsBackend.open({ directory: file }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KvError);
    expect((error as KvError).message).toMatch(/fs backend cannot open the store in .*plain-file/);
  });
});
