// The host shares' hypercalls: uhyve's OPEN (0x440), CLOSE (0x480), READ (0x500),
// WRITE (0x400), LSEEK (0x580), UNLINK (0x840) and the HOST_* ports after them
// (mkdir, rmdir, rename, stat, getdents, ftruncate, utimens, fsync). READ and WRITE are shared with
// the console: their fd field decides (0-2 the console, >= 3 a share handle).
//
// Each device decodes its struct through the checked accessor, calls the backend
// (vmm/host-share) with plain values, and writes the result back. A struct or a
// buffer outside guest RAM, or a path without a NUL within PATH_MAX, gives the
// guest -EFAULT (-ENAMETOOLONG); the VMM keeps running.
import {
  HcClose,
  HcFsync,
  HcFtruncate,
  HcGetdents,
  HcLseek,
  HcMkdir,
  HcOpen,
  HcRead,
  HcRename,
  HcRmdir,
  HcStat,
  HcUnlink,
  HcUtimens,
  HcWrite,
  MISC,
  PORT,
} from '../generated/abi.js';
import { GuestFault, type GuestMemory } from '../guest-memory.js';
import type { PortBus, PortDevice } from '../port-bus.js';
import type { DeviceContext } from './device.js';
import { consoleRead, consoleStdinReady, consoleWrite } from './console.js';

/** A file's metadata as the host reports it. */
export interface HostStat {
  mode: number;
  nlink: number;
  size: bigint;
  ino: bigint;
  blocks: bigint;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

/**
 * The host side of the shares, as the device uses it (vmm/host-share implements it):
 * plain values in, a result or a negative Linux errno out. A call that names a path
 * says which share (its index in the share table) it lies in; handles are one
 * numbering for all shares.
 */
export interface HostShare {
  open(share: number, path: string, flags: number, mode: number): number;
  close(handle: number): number;
  read(handle: number, into: Uint8Array): number;
  write(handle: number, bytes: Uint8Array): number;
  lseek(handle: number, offset: bigint, whence: number): bigint;
  unlink(share: number, path: string): number;
  rmdir(share: number, path: string): number;
  mkdir(share: number, path: string, mode: number): number;
  rename(share: number, from: string, to: string): number;
  /** By path, or by handle when path is null (share unused). */
  stat(share: number, path: string | null, handle: number, nofollow: boolean): HostStat | number;
  getdents(handle: number, max: number): Uint8Array | number;
  truncate(share: number, path: string | null, handle: number, length: bigint): number;
  /** Sets times (ns since the epoch; null leaves one as it is) by path, or by handle when path is null. */
  utimens(share: number, path: string | null, handle: number, nofollow: boolean, atimeNs: bigint | null, mtimeNs: bigint | null): number;
  /** Flushes a handle's file to the disk: 0 fsync, 1 fdatasync, 2 syncfs. */
  sync(handle: number, op: number): number;
}

/** HcUtimens: this time value leaves the time unchanged. */
const TIME_OMIT = -(1n << 63n);

const EFAULT = 14;
const ENAMETOOLONG = 36;
const PATH_MAX = MISC.PATH_MAX;
/** Largest single transfer; the guest kernel loops (and programs accept short counts). */
const MAX_IO = 1 << 24;

class BadPath extends Error {
  constructor(readonly errno: number) {
    super('bad path');
  }
}

/** A guest path: NUL-terminated, shorter than PATH_MAX, decoded as UTF-8 bytes. */
function guestPath(mem: GuestMemory, address: bigint): string {
  try {
    return Buffer.from(mem.readCString(address, PATH_MAX - 1)).toString('latin1');
  } catch (e) {
    if (!(e instanceof GuestFault)) throw e;
    throw new BadPath(e.length > BigInt(PATH_MAX - 1) ? ENAMETOOLONG : EFAULT);
  }
}

/** Paths travel as latin1 so every byte survives; the backend gets them back as bytes. */
const hostPath = (p: string) => Buffer.from(p, 'latin1').toString();

/** A device that decodes a struct of `size` bytes at the written address, then runs body. */
function device(ctx: DeviceContext, name: string, size: number, body: (at: number) => void, fail: (at: number, errno: number) => void): PortDevice {
  return {
    name,
    write(_offset, address) {
      if (!ctx.mem.contains(address, size)) return; // nowhere to put a result
      try {
        body(address);
      } catch (e) {
        if (e instanceof BadPath) fail(address, -e.errno);
        else if (e instanceof GuestFault) fail(address, -EFAULT);
        else throw e;
      }
    },
  };
}

/** Registers the console (and, with a backend, the share) on the file ports. */
export function registerFileDevices(bus: PortBus, ctx: DeviceContext, backend: HostShare | undefined): void {
  const consoleW = consoleWrite(ctx);
  const consoleR = consoleRead(ctx);
  bus.register(PORT.STDIN_READY, 1, consoleStdinReady(ctx));
  if (!backend) {
    bus.register(PORT.WRITE, 1, consoleW);
    bus.register(PORT.READ, 1, consoleR);
    return;
  }
  const mem = ctx.mem;
  const path = (at: number) => hostPath(guestPath(mem, mem.readU64(at)));
  const i32 = (field: number) => (at: number, v: number) => mem.writeI32(at + field, v);

  bus.register(PORT.WRITE, 1, {
    name: 'console or share write',
    write(offset, address, size) {
      if (!mem.contains(address, HcWrite.SIZE)) return;
      const fd = mem.readI32(address + HcWrite.fd);
      if (fd < MISC.HOST_HANDLE_BASE) return consoleW.write!(offset, address, size);
      const buf = mem.readU64(address + HcWrite.buf);
      let len = mem.readI64(address + HcWrite.len);
      if (len > BigInt(MAX_IO)) len = BigInt(MAX_IO);
      const r = len < 0n || !mem.contains(buf, len) ? -EFAULT : backend.write(fd, mem.view(buf, len));
      mem.writeI64(address + HcWrite.len, BigInt(r));
    },
  });
  bus.register(PORT.READ, 1, {
    name: 'console or share read',
    write(offset, address, size) {
      if (!mem.contains(address, HcRead.SIZE)) return;
      const fd = mem.readI32(address + HcRead.fd);
      if (fd < MISC.HOST_HANDLE_BASE) return consoleR.write!(offset, address, size);
      const buf = mem.readU64(address + HcRead.buf);
      let len = mem.readU64(address + HcRead.len);
      if (len > BigInt(MAX_IO)) len = BigInt(MAX_IO);
      const r = !mem.contains(buf, len) ? -EFAULT : backend.read(fd, mem.view(buf, len));
      mem.writeI64(address + HcRead.ret, BigInt(r));
    },
  });
  const openRet = i32(HcOpen.ret);
  bus.register(
    PORT.OPEN,
    1,
    device(
      ctx,
      'share open',
      HcOpen.SIZE,
      (at) => {
        openRet(at, backend.open(mem.readU32(at + HcOpen.share), path(at + HcOpen.name), mem.readI32(at + HcOpen.flags), mem.readI32(at + HcOpen.mode)));
      },
      openRet,
    ),
  );
  const closeRet = i32(HcClose.ret);
  bus.register(
    PORT.CLOSE,
    1,
    device(
      ctx,
      'share close',
      HcClose.SIZE,
      (at) => {
        closeRet(at, backend.close(mem.readI32(at + HcClose.fd)));
      },
      closeRet,
    ),
  );
  const seekRet = (at: number, v: number) => mem.writeI64(at + HcLseek.offset, BigInt(v));
  bus.register(
    PORT.LSEEK,
    1,
    device(
      ctx,
      'share lseek',
      HcLseek.SIZE,
      (at) => {
        const r = backend.lseek(mem.readI32(at + HcLseek.fd), mem.readI64(at + HcLseek.offset), mem.readI32(at + HcLseek.whence));
        mem.writeI64(at + HcLseek.offset, r);
      },
      seekRet,
    ),
  );
  const unlinkRet = i32(HcUnlink.ret);
  bus.register(
    PORT.UNLINK,
    1,
    device(
      ctx,
      'share unlink',
      HcUnlink.SIZE,
      (at) => {
        unlinkRet(at, backend.unlink(mem.readU32(at + HcUnlink.share), path(at + HcUnlink.name)));
      },
      unlinkRet,
    ),
  );
  const mkdirRet = i32(HcMkdir.ret);
  bus.register(
    PORT.HOST_MKDIR,
    1,
    device(
      ctx,
      'share mkdir',
      HcMkdir.SIZE,
      (at) => {
        mkdirRet(at, backend.mkdir(mem.readU32(at + HcMkdir.share), path(at + HcMkdir.name), mem.readI32(at + HcMkdir.mode)));
      },
      mkdirRet,
    ),
  );
  const rmdirRet = i32(HcRmdir.ret);
  bus.register(
    PORT.HOST_RMDIR,
    1,
    device(
      ctx,
      'share rmdir',
      HcRmdir.SIZE,
      (at) => {
        rmdirRet(at, backend.rmdir(mem.readU32(at + HcRmdir.share), path(at + HcRmdir.name)));
      },
      rmdirRet,
    ),
  );
  const renameRet = i32(HcRename.ret);
  bus.register(
    PORT.HOST_RENAME,
    1,
    device(
      ctx,
      'share rename',
      HcRename.SIZE,
      (at) => {
        renameRet(at, backend.rename(mem.readU32(at + HcRename.share), path(at + HcRename.oldname), path(at + HcRename.newname)));
      },
      renameRet,
    ),
  );
  const statRet = i32(HcStat.ret);
  bus.register(
    PORT.HOST_STAT,
    1,
    device(
      ctx,
      'share stat',
      HcStat.SIZE,
      (at) => {
        const name = mem.readU64(at + HcStat.name);
        const st = backend.stat(
          mem.readU32(at + HcStat.share),
          name === 0n ? null : path(at + HcStat.name),
          mem.readI32(at + HcStat.fd),
          (mem.readI32(at + HcStat.flags) & 1) !== 0,
        );
        if (typeof st === 'number') return statRet(at, st);
        mem.writeU32(at + HcStat.mode, st.mode);
        mem.writeU32(at + HcStat.nlink, st.nlink);
        mem.writeU64(at + HcStat.size, st.size);
        mem.writeU64(at + HcStat.ino, st.ino);
        mem.writeU64(at + HcStat.blocks, st.blocks);
        mem.writeU64(at + HcStat.atime_ns, st.atimeNs);
        mem.writeU64(at + HcStat.mtime_ns, st.mtimeNs);
        mem.writeU64(at + HcStat.ctime_ns, st.ctimeNs);
        statRet(at, 0);
      },
      statRet,
    ),
  );
  const dentsRet = (at: number, v: number) => mem.writeI64(at + HcGetdents.ret, BigInt(v));
  bus.register(
    PORT.HOST_GETDENTS,
    1,
    device(
      ctx,
      'share getdents',
      HcGetdents.SIZE,
      (at) => {
        const buf = mem.readU64(at + HcGetdents.buf);
        let len = mem.readU64(at + HcGetdents.len);
        if (len > BigInt(MAX_IO)) len = BigInt(MAX_IO);
        if (!mem.contains(buf, len)) return dentsRet(at, -EFAULT);
        const r = backend.getdents(mem.readI32(at + HcGetdents.fd), Number(len));
        if (typeof r === 'number') return dentsRet(at, r);
        mem.copyIn(buf, r);
        dentsRet(at, r.length);
      },
      dentsRet,
    ),
  );
  const truncRet = i32(HcFtruncate.ret);
  bus.register(
    PORT.HOST_FTRUNCATE,
    1,
    device(
      ctx,
      'share ftruncate',
      HcFtruncate.SIZE,
      (at) => {
        const name = mem.readU64(at + HcFtruncate.name);
        truncRet(
          at,
          backend.truncate(
            mem.readU32(at + HcFtruncate.share),
            name === 0n ? null : path(at + HcFtruncate.name),
            mem.readI32(at + HcFtruncate.fd),
            mem.readI64(at + HcFtruncate.length),
          ),
        );
      },
      truncRet,
    ),
  );
  const utimensRet = i32(HcUtimens.ret);
  bus.register(
    PORT.HOST_UTIMENS,
    1,
    device(
      ctx,
      'share utimens',
      HcUtimens.SIZE,
      (at) => {
        const name = mem.readU64(at + HcUtimens.name);
        const time = (field: number) => {
          const ns = mem.readI64(at + field);
          return ns === TIME_OMIT ? null : ns;
        };
        utimensRet(
          at,
          backend.utimens(
            mem.readU32(at + HcUtimens.share),
            name === 0n ? null : path(at + HcUtimens.name),
            mem.readI32(at + HcUtimens.fd),
            (mem.readI32(at + HcUtimens.flags) & 1) !== 0,
            time(HcUtimens.atime_ns),
            time(HcUtimens.mtime_ns),
          ),
        );
      },
      utimensRet,
    ),
  );
  const fsyncRet = i32(HcFsync.ret);
  bus.register(
    PORT.HOST_FSYNC,
    1,
    device(
      ctx,
      'share fsync',
      HcFsync.SIZE,
      (at) => {
        fsyncRet(at, backend.sync(mem.readI32(at + HcFsync.fd), mem.readI32(at + HcFsync.op)));
      },
      fsyncRet,
    ),
  );
}
