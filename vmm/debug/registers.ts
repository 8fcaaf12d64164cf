// One vCPU's registers in gdb's numbering (target-description.ts), read from and
// written to its engine. x87 registers are numbered from the stack's top as gdb's
// st0..st7, the engine's FP0..FP7 being the physical ones.
import { type Engine, REG } from '../engine/unicorn.js';
import { REGISTERS, REGNUM } from './target-description.js';

const GPRS = ['RAX', 'RBX', 'RCX', 'RDX', 'RSI', 'RDI', 'RBP', 'RSP', 'R8', 'R9', 'R10', 'R11', 'R12', 'R13', 'R14', 'R15'] as const;
const SEGMENTS = [REG.CS, REG.SS, REG.DS, REG.ES, REG.FS, REG.GS];
/** fctrl .. fop in gdb's order. */
const X87_CONTROL = [REG.FPCW, REG.FPSW, REG.FPTAG, REG.FCS, REG.FIP, REG.FDS, REG.FDP, REG.FOP];

const ST0 = REGNUM.st0;
const FCTRL = REGNUM.fctrl;
const XMM0 = REGNUM.xmm0;
const CS = REGNUM.cs;

function littleEndian(value: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = Number((value >> BigInt(8 * i)) & 0xffn);
  return out;
}

function numberOf(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

/** The physical x87 register behind st`i`. */
function physicalFp(engine: Engine, i: number): number {
  const top = Number((engine.read(REG.FPSW) >> 11n) & 7n);
  return REG.FP0 + ((top + i) & 7);
}

/** The engine's register behind a plain (up to 64-bit) gdb register, or undefined for the others. */
function plainRegister(regnum: number): number | undefined {
  if (regnum < 16) return REG[GPRS[regnum]];
  if (regnum === REGNUM.rip) return REG.RIP;
  if (regnum === REGNUM.eflags) return REG.RFLAGS;
  if (regnum >= CS && regnum < CS + 6) return SEGMENTS[regnum - CS];
  if (regnum >= FCTRL && regnum < FCTRL + 8) return X87_CONTROL[regnum - FCTRL];
  if (regnum === REGNUM.mxcsr) return REG.MXCSR;
  if (regnum === REGNUM.fs_base) return REG.FS_BASE;
  if (regnum === REGNUM.gs_base) return REG.GS_BASE;
  return undefined;
}

/** Register `regnum`'s bytes as the `g` and `p` packets carry them (little-endian). */
export function readRegister(engine: Engine, regnum: number): Uint8Array {
  const info = REGISTERS[regnum];
  if (regnum >= ST0 && regnum < ST0 + 8) return engine.readBytes(physicalFp(engine, regnum - ST0), 10);
  if (regnum >= XMM0 && regnum < XMM0 + 16) return engine.readBytes(REG.XMM0 + regnum - XMM0, 16);
  const reg = plainRegister(regnum);
  return littleEndian(reg === undefined ? 0n : engine.read(reg), info.size);
}

/**
 * Writes register `regnum` from `bytes`; false when it cannot be written. Segment
 * selectors are left as they are: loading one from outside the guest would bypass
 * its descriptor checks, so only their present value is accepted.
 */
export function writeRegister(engine: Engine, regnum: number, bytes: Uint8Array): boolean {
  const info = REGISTERS[regnum];
  if (!info || bytes.length !== info.size) return false;
  if (regnum >= ST0 && regnum < ST0 + 8) engine.writeBytes(physicalFp(engine, regnum - ST0), bytes);
  else if (regnum >= XMM0 && regnum < XMM0 + 16) engine.writeBytes(REG.XMM0 + regnum - XMM0, bytes);
  else if (regnum >= CS && regnum < CS + 6) return numberOf(bytes) === engine.read(SEGMENTS[regnum - CS]);
  else {
    const reg = plainRegister(regnum);
    if (reg === undefined) return false;
    let value = numberOf(bytes);
    if (regnum === REGNUM.eflags) value = (engine.read(REG.RFLAGS) & ~0xffff_ffffn) | value;
    engine.write(reg, value);
  }
  return true;
}
