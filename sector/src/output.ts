// The client's record of its replies, in the order they arrived: `sectors.PID` (one
// decimal sector number per line) and `read.PID` (the 512-byte contents, concatenated).
//
// Any thread may drain the ring, so the log's buffer lives in the threads' shared
// memory and every thread holds the same two file descriptors. Only the holder of the
// consumers' lock appends or flushes, which keeps the files in arrival order.
//
//   buffer:  count (int32, then padding to 8) | sectors (float64 x CHUNK) | data (512 x CHUNK)
import fs from 'node:fs';
import path from 'node:path';
import { SECTOR_SIZE } from './protocol.js';

const CHUNK = 1024; // replies per write
const SECTORS_AT = 8;
const DATA_AT = SECTORS_AT + CHUNK * 8;
export const REPLY_LOG_BYTES = DATA_AT + CHUNK * SECTOR_SIZE;

export interface ReplyFiles {
  sectorsPath: string;
  readsPath: string;
  sectorsFd: number;
  readsFd: number;
}

/** Creates sectors.PID and read.PID in `dir`. */
export function createReplyFiles(dir: string, pid: number): ReplyFiles {
  const sectorsPath = path.join(dir, `sectors.${pid}`);
  const readsPath = path.join(dir, `read.${pid}`);
  return { sectorsPath, readsPath, sectorsFd: fs.openSync(sectorsPath, 'w'), readsFd: fs.openSync(readsPath, 'w') };
}

export function closeReplyFiles(files: ReplyFiles, keep: boolean): void {
  fs.closeSync(files.sectorsFd);
  fs.closeSync(files.readsFd);
  if (!keep) {
    fs.rmSync(files.sectorsPath, { force: true });
    fs.rmSync(files.readsPath, { force: true });
  }
}

export class ReplyLog {
  private readonly count: Int32Array;
  private readonly sectors: Float64Array;
  private readonly data: Uint8Array;

  constructor(
    buffer: Uint8Array,
    private readonly files: ReplyFiles,
  ) {
    this.count = new Int32Array(buffer.buffer, buffer.byteOffset, 1);
    this.sectors = new Float64Array(buffer.buffer, buffer.byteOffset + SECTORS_AT, CHUNK);
    this.data = new Uint8Array(buffer.buffer, buffer.byteOffset + DATA_AT, CHUNK * SECTOR_SIZE);
  }

  /** Records one reply (caller holds the consumers' lock); the data is copied at once. */
  add(sector: number, src: Uint8Array, offset: number): void {
    const n = this.count[0];
    this.sectors[n] = sector;
    this.data.set(src.subarray(offset, offset + SECTOR_SIZE), n * SECTOR_SIZE);
    this.count[0] = n + 1;
    if (n + 1 === CHUNK) this.flush();
  }

  /** Writes out what is buffered (caller holds the consumers' lock, or is the last thread). */
  flush(): void {
    const n = this.count[0];
    if (n === 0) return;
    let lines = '';
    for (let i = 0; i < n; i++) lines += `${this.sectors[i]}\n`;
    writeAll(this.files.readsFd, this.data.subarray(0, n * SECTOR_SIZE));
    writeAll(this.files.sectorsFd, Buffer.from(lines));
    this.count[0] = 0;
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length; ) done += fs.writeSync(fd, bytes, done);
}
