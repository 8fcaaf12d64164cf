// Stores each key in its own file under a directory, crash-safely.
//
// Layout:  <dir>/<2 hex>/<64 hex>   one record (record.ts) per key
//          <dir>/.tmp/              records being written
// A put writes the whole record to a fresh file in .tmp, fsyncs it, renames it over
// the key's file and fsyncs that directory. rename() replaces a name atomically, so
// a reader (or a crash) sees the old record or the new one, never a mix; readers
// need no lock. File names come from key-mapping.ts, never from key bytes.

import { open, readFile, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';

import { BackendBase } from './backend-base.js';
import { CorruptRecordError, KvError, systemErrorCode, type FailureKind } from './errors.js';
import type { FailureLog } from './failure-log.js';
import { shardedPathForKey } from './key-mapping.js';
import { encodeRecord, valueForKey } from './record.js';
import { makeDirectory } from './make-directory.js';

export interface FsBackendOptions {
  /** The store's directory; created if missing. */
  directory: string;
  /** fsync files and directories so a put survives power loss (default true). */
  durable?: boolean;
  failureLog?: FailureLog;
}

const TEMP_DIR = '.tmp';
/** Temp files older than this at open time were left by a crash, not by a live writer. */
const STALE_TEMP_MS = 60_000;

export class FsBackend extends BackendBase {
  readonly name = 'fs' as const;
  private readonly tempDir: string;
  private readonly durable: boolean;
  private readonly readyShards = new Set<string>();
  private tempSequence = 0;

  private constructor(
    private readonly directory: string,
    options: FsBackendOptions,
  ) {
    super(options.failureLog);
    this.tempDir = join(directory, TEMP_DIR);
    this.durable = options.durable ?? true;
  }

  /** Creates the directory if needed and removes temp files a crash left behind. */
  static async open(options: FsBackendOptions): Promise<FsBackend> {
    const backend = new FsBackend(options.directory, options);
    try {
      await makeDirectory(backend.tempDir);
      await backend.removeStaleTempFiles();
    } catch (error) {
      throw fsFailure(error, 'open the store', options.directory);
    }
    return backend;
  }

  describe(): string {
    return `fs in ${this.directory}`;
  }

  protected async read(key: Buffer): Promise<Buffer | undefined> {
    const [shard, name] = shardedPathForKey(key);
    const path = join(this.directory, shard, name);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      if (systemErrorCode(error) === 'ENOENT') return undefined;
      throw fsFailure(error, 'read', this.directory);
    }
    try {
      return valueForKey(bytes, key);
    } catch (error) {
      if (error instanceof CorruptRecordError) {
        throw new KvError('corrupt-record', `fs backend found a damaged file ${path} (${error.message})`);
      }
      throw error;
    }
  }

  protected async write(key: Buffer, value: Buffer): Promise<void> {
    const [shard, name] = shardedPathForKey(key);
    const shardDir = join(this.directory, shard);
    const tempPath = join(this.tempDir, `${name}.${process.pid}.${this.tempSequence++}`);
    try {
      await this.ensureShard(shardDir);
      await this.writeFileDurably(tempPath, encodeRecord(key, value));
      await rename(tempPath, join(shardDir, name));
    } catch (error) {
      await unlink(tempPath).catch(() => undefined);
      throw fsFailure(error, 'write', this.directory);
    }
    // The rename is durable only once the directory holding the new name is.
    await this.syncDirectory(shardDir);
  }

  protected async remove(key: Buffer): Promise<void> {
    const [shard, name] = shardedPathForKey(key);
    const shardDir = join(this.directory, shard);
    try {
      await unlink(join(shardDir, name));
    } catch (error) {
      if (systemErrorCode(error) === 'ENOENT') return;
      throw fsFailure(error, 'delete', this.directory);
    }
    await this.syncDirectory(shardDir);
  }

  protected async shutdown(): Promise<void> {
    // Every file handle is closed by the request that opened it.
  }

  private async ensureShard(shardDir: string): Promise<void> {
    if (this.readyShards.has(shardDir)) return;
    await makeDirectory(shardDir);
    await this.syncDirectory(this.directory);
    this.readyShards.add(shardDir);
  }

  private async writeFileDurably(path: string, bytes: Buffer): Promise<void> {
    const handle = await open(path, 'wx', 0o644);
    try {
      await handle.writeFile(bytes);
      if (this.durable) await handle.sync();
    } finally {
      await handle.close();
    }
  }

  private async syncDirectory(path: string): Promise<void> {
    if (!this.durable) return;
    try {
      const handle = await open(path, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      // Some platforms cannot open or fsync a directory; the data itself is synced.
      const code = systemErrorCode(error);
      if (code === 'EISDIR' || code === 'EINVAL' || code === 'EPERM' || code === 'EACCES') return;
      throw fsFailure(error, 'sync', this.directory);
    }
  }

  private async removeStaleTempFiles(): Promise<void> {
    const now = Date.now();
    for (const entry of await readdir(this.tempDir)) {
      const path = join(this.tempDir, entry);
      const info = await stat(path).catch(() => undefined);
      if (info && now - info.mtimeMs > STALE_TEMP_MS) await unlink(path).catch(() => undefined);
    }
  }
}

function fsFailure(error: unknown, action: string, directory: string): KvError {
  if (error instanceof KvError) return error;
  const code = systemErrorCode(error) ?? (error instanceof Error ? error.message : String(error));
  return new KvError(fsFailureKind(code), `fs backend cannot ${action} in ${directory} (${code})`, { cause: error });
}

function fsFailureKind(code: string): FailureKind {
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return 'no-space';
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return 'access-denied';
    default:
      return 'io-error';
  }
}
