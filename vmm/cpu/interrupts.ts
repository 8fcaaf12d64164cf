// Interrupt and exception delivery through the guest's IDT, which unicorn does not do:
// read the gate, switch to the IST stack it names, push the 64-bit frame (SS, RSP,
// RFLAGS, CS, RIP and, for some vectors, an error code), clear IF for interrupt gates
// and jump to the handler. A broken IDT is the guest's problem (a triple fault).
import type { Engine } from '../engine/unicorn.js';
import { REG } from '../engine/unicorn.js';
import type { GuestMemory } from '../guest-memory.js';

/** Vectors for which the CPU pushes an error code. */
const HAS_ERROR_CODE = new Set([8, 10, 11, 12, 13, 14, 17, 21, 29, 30]);
const RFLAGS_IF = 0x200n;
const RFLAGS_TF = 0x100n;
const GATE_INTERRUPT = 0xe;
const GATE_TRAP = 0xf;
const TSS_IST1 = 0x24n;

/** The guest cannot take the interrupt: its IDT, TSS or stacks are unusable. */
export class TripleFault extends Error {}

export function hasErrorCode(vector: number): boolean {
  return HAS_ERROR_CODE.has(vector);
}

export function deliverInterrupt(engine: Engine, mem: GuestMemory, vector: number, errorCode = 0n): void {
  const idt = engine.readTable(REG.IDTR);
  if (vector * 16 + 15 > idt.limit) throw new TripleFault(`vector ${vector} lies beyond the IDT (limit ${idt.limit})`);
  const gate = idt.base + BigInt(vector * 16);
  if (!mem.contains(gate, 16)) throw new TripleFault(`IDT gate ${vector} at 0x${gate.toString(16)} is outside guest RAM`);
  const low = mem.readU64(gate);
  const high = mem.readU32(gate + 8n);
  const attributes = Number((low >> 40n) & 0xffn);
  const type = attributes & 0xf;
  if ((attributes & 0x80) === 0 || (type !== GATE_INTERRUPT && type !== GATE_TRAP)) {
    throw new TripleFault(`IDT gate ${vector} is not a present interrupt or trap gate`);
  }
  const handler = (low & 0xffffn) | (((low >> 48n) & 0xffffn) << 16n) | (BigInt(high) << 32n);
  const selector = (low >> 16n) & 0xffffn;
  const ist = Number((low >> 32n) & 7n);

  const rip = engine.read(REG.RIP);
  const rsp = engine.read(REG.RSP);
  const rflags = engine.read(REG.RFLAGS);
  const cs = engine.read(REG.CS);
  const ss = engine.read(REG.SS);

  let sp = rsp;
  if (ist !== 0) {
    const tss = engine.readTable(REG.TR).base + TSS_IST1 + BigInt((ist - 1) * 8);
    if (!mem.contains(tss, 8)) throw new TripleFault(`TSS IST${ist} slot at 0x${tss.toString(16)} is outside guest RAM`);
    sp = mem.readU64(tss);
  }
  sp &= ~0xfn; // the CPU aligns the new stack to 16 bytes
  const frame = hasErrorCode(vector) ? [ss, rsp, rflags, cs, rip, errorCode] : [ss, rsp, rflags, cs, rip];
  const bottom = sp - BigInt(frame.length * 8);
  if (!mem.contains(bottom, frame.length * 8)) {
    throw new TripleFault(`interrupt stack 0x${sp.toString(16)} for vector ${vector} is outside guest RAM`);
  }
  for (let i = 0; i < frame.length; i++) mem.writeU64(sp - BigInt((i + 1) * 8), frame[i]);

  engine.write(REG.RSP, bottom);
  engine.write(REG.RFLAGS, type === GATE_INTERRUPT ? rflags & ~(RFLAGS_IF | RFLAGS_TF) : rflags & ~RFLAGS_TF);
  if (selector !== cs) engine.write(REG.CS, selector);
  engine.write(REG.RIP, handler);
}
