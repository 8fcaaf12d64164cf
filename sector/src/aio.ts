// Direct, asynchronous sector reads: the image opened with O_DIRECT and read with
// Linux native AIO (io_setup / io_submit / io_getevents through koffi).
//
// O_DIRECT bypasses the page cache, so the service's own cache is the only one; it
// needs the buffer, offset and length aligned to the logical block size (512 bytes).
// Node cannot align a Buffer, so the reads land in page-aligned staging pages inside an
// anonymous mapping. Native AIO keeps `depth` reads in flight from one thread, and its
// completions can be peeked at in user space (the kernel maps its completion ring into
// our address space), so checking for finished reads costs no system call.
//
// Memory map of the private mapping (all little-endian):
//   staging   depth pages, one per read in flight (a read uses the first 512 bytes)
//   iocbs     depth x struct iocb (64 bytes)
//   pointers  depth x struct iocb * (the array io_submit takes)
//   events    depth x struct io_event (32 bytes)
//   misc      aio_context_t, struct timespec
import fs from 'node:fs';
import { ErrnoError, errno, MAP_ANONYMOUS, MAP_PRIVATE, mmap, munmap, PROT_READ, PROT_WRITE, SYS, syscall, view } from '@unikv/host-libc';
import { PAGE_SIZE, pageRound } from './ring/shm.js';
import { SECTOR_SIZE, writeU64 } from './protocol.js';

const IOCB_BYTES = 64;
const EVENT_BYTES = 32;
const IOCB_CMD_PREAD = 0;
const AIO_RING_MAGIC = 0xa10a10a1;
// struct aio_ring, as u32 indices; its io_events follow the 32-byte header.
const RING_NR = 1;
const RING_HEAD = 2;
const RING_TAIL = 3;
const RING_MAGIC = 4;
const RING_HEADER_LENGTH = 7;
const RING_HEADER = 32;
const EAGAIN = 11;
const EINTR = 4;

export class DirectReader {
  readonly sectors: number;
  /** Reads started but not yet reaped (queued for io_submit or in the kernel). */
  inFlight = 0;
  private readonly addr: number;
  private readonly size: number;
  private readonly dv: DataView;
  readonly u8: Uint8Array;
  private readonly iocbs: number;
  private readonly ptrs: number;
  private readonly events: number;
  private readonly misc: number;
  private readonly ctx: number;
  // The kernel's completion ring at ctx: {id, nr, head, tail, magic, ...} then io_events.
  private readonly ring: Uint32Array | undefined;
  private readonly ringEvents: Uint8Array | undefined;
  private readonly free: number[] = [];
  private readonly queue: number[] = [];
  private closed = false;

  private constructor(
    private readonly fd: number,
    readonly bytes: number,
    readonly depth: number,
  ) {
    this.sectors = Math.floor(bytes / SECTOR_SIZE);
    this.iocbs = depth * PAGE_SIZE;
    this.ptrs = this.iocbs + depth * IOCB_BYTES;
    this.events = this.ptrs + depth * 8;
    this.misc = this.events + depth * EVENT_BYTES;
    this.size = pageRound(this.misc + 64);
    this.addr = mmap(this.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
    this.dv = new DataView(view(this.addr, this.size));
    this.u8 = new Uint8Array(this.dv.buffer);
    if (syscall(SYS.io_setup, depth, this.addr + this.misc) !== 0) {
      const e = errno();
      munmap(this.addr, this.size);
      throw new ErrnoError('io_setup', e);
    }
    this.ctx = Number(this.dv.getBigUint64(this.misc, true));
    const head = new Uint32Array(view(this.ctx, RING_HEADER));
    if (head[RING_MAGIC] === AIO_RING_MAGIC && head[RING_HEADER_LENGTH] === RING_HEADER) {
      this.ring = head;
      this.ringEvents = new Uint8Array(view(this.ctx + RING_HEADER, head[RING_NR] * EVENT_BYTES));
    }
    for (let slot = depth - 1; slot >= 0; slot--) {
      this.free.push(slot);
      const iocb = this.iocbs + slot * IOCB_BYTES;
      this.dv.setBigUint64(iocb, BigInt(slot), true); // aio_data: our tag
      this.dv.setUint16(iocb + 16, IOCB_CMD_PREAD, true);
      this.dv.setUint32(iocb + 20, fd, true);
      this.dv.setBigUint64(iocb + 24, BigInt(this.addr + slot * PAGE_SIZE), true);
      this.dv.setBigUint64(iocb + 32, BigInt(SECTOR_SIZE), true);
    }
  }

  /** Opens an image for direct reads; throws a readable Error when it cannot. */
  static open(path: string, depth: number): DirectReader {
    let fd: number;
    try {
      fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_DIRECT);
    } catch (e) {
      throw new Error(`cannot open image ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
    }
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile()) throw new Error(`image ${path} is not a regular file`);
      if (st.size < SECTOR_SIZE) throw new Error(`image ${path} is smaller than one sector`);
      return new DirectReader(fd, st.size, depth);
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
  }

  get idle(): number {
    return this.free.length;
  }

  /** Starts reading `sector` into a staging page; returns the page's tag, or -1 if all are busy. */
  start(sector: number): number {
    const slot = this.free.pop();
    if (slot === undefined) return -1;
    writeU64(this.dv, this.iocbs + slot * IOCB_BYTES + 40, sector * SECTOR_SIZE);
    this.queue.push(slot);
    this.inFlight++;
    return slot;
  }

  /** Hands every queued read to the kernel (one system call for the batch). */
  submit(): void {
    while (this.queue.length > 0) {
      const n = this.queue.length;
      for (let i = 0; i < n; i++) {
        writeU64(this.dv, this.ptrs + i * 8, this.addr + this.iocbs + this.queue[i] * IOCB_BYTES);
      }
      const done = syscall(SYS.io_submit, this.ctx, n, this.addr + this.ptrs);
      if (done < 0) {
        const e = errno();
        if (e === EAGAIN || e === EINTR) return; // try again on the next pass
        throw new ErrnoError('io_submit', e);
      }
      this.queue.splice(0, done);
      if (done === 0) return;
    }
  }

  /** True when the kernel has completions waiting (read from the shared completion ring). */
  ready(): boolean {
    if (this.ring === undefined) return this.inFlight > 0;
    return Atomics.load(this.ring, RING_HEAD) !== Atomics.load(this.ring, RING_TAIL);
  }

  /**
   * Collects finished reads without waiting. Reads the kernel's completion ring directly
   * when it can (no system call: the kernel maps that ring into our address space for
   * exactly this, and refills its own accounting from `head`); otherwise io_getevents.
   */
  poll(): number {
    const ring = this.ring;
    if (ring === undefined || this.ringEvents === undefined) return this.reap(0, 0);
    const nr = ring[RING_NR];
    let head = Atomics.load(ring, RING_HEAD);
    const tail = Atomics.load(ring, RING_TAIL);
    if (head >= nr || tail >= nr) return this.reap(0, 0); // not a ring we understand
    let n = 0;
    while (head !== tail && n < this.depth) {
      this.u8.set(this.ringEvents.subarray(head * EVENT_BYTES, (head + 1) * EVENT_BYTES), this.events + n * EVENT_BYTES);
      head = head + 1 === nr ? 0 : head + 1;
      n++;
    }
    Atomics.store(ring, RING_HEAD, head);
    return n;
  }

  /**
   * Waits up to timeoutMs for at least `min` finished reads (io_getevents). Returns the
   * count; read each with tagOf(i) and resultOf(i) (bytes read, or -errno).
   */
  reap(min: number, timeoutMs: number): number {
    if (this.inFlight === 0) return 0;
    const ts = this.misc + 8; // struct timespec
    writeU64(this.dv, ts, Math.floor(timeoutMs / 1000));
    writeU64(this.dv, ts + 8, Math.floor((timeoutMs % 1000) * 1e6));
    const n = syscall(SYS.io_getevents, this.ctx, min, this.depth, this.addr + this.events, this.addr + ts);
    if (n < 0) {
      if (errno() === EINTR) return 0;
      throw new ErrnoError('io_getevents', errno());
    }
    return n;
  }

  tagOf(i: number): number {
    return this.dv.getUint32(this.events + i * EVENT_BYTES, true); // aio_data: a tag below depth
  }

  resultOf(i: number): number {
    return this.dv.getInt32(this.events + i * EVENT_BYTES + 16, true); // res: 512 or -errno, both fit in 32 bits
  }

  /** Offset into u8 of a staging page's data. */
  dataOffset(tag: number): number {
    return tag * PAGE_SIZE;
  }

  /** Returns a staging page after its completion has been handled. */
  release(tag: number): void {
    this.free.push(tag);
    this.inFlight--;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // io_destroy waits for reads still in the kernel, so the staging pages stay valid until then.
    syscall(SYS.io_destroy, this.ctx);
    munmap(this.addr, this.size);
    fs.closeSync(this.fd);
  }
}
