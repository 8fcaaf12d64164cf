// Where the engine keeps a vCPU's registers, so that the VMM's machine-code hooks can
// load and store them directly instead of calling uc_reg_read and uc_reg_write.
//
// Why: uc_reg_write(RIP) does more than store. It also asks the engine to leave its
// execution loop (quit_request and uc_emu_stop, so that a hook's new RIP takes effect
// at once), and the engine then re-enters it. The `syscall` hook writes RIP on every
// system call, so every system call left and re-entered the loop; inside the hook
// that is not needed, because the engine reads RIP again when the `syscall`
// instruction's block ends. A getpid took 297-315 ns with the calls and 203-218 ns
// with plain stores (the boot benchmark, alternating runs).
//
// How it is found: 2.0.1's x86_reg_write starts by loading the vCPU from the engine
// handle (`mov rax, [rdi + cpu]`) and taking the address of its register file
// (`lea rbp, [rax + env]`); QEMU's CPUX86State begins with the sixteen general
// registers followed by RIP. Both offsets are read from those two instructions, which
// must each occur exactly once, and every engine checks them before use (forEngine):
// values written through uc_reg_write must appear at the computed addresses and
// values stored there must come back through uc_reg_read. Any other build of the
// library fails the match or the check, and its hooks keep calling the library.
// UNIKV_REGISTER_STORES=off does the same on purpose (for comparisons).
import koffi from './koffi.js';
import { LIBUNICORN } from './preload.js';
import { dlopen, dlsym, peek, poke, RTLD_NOW } from './libc.js';

/** Byte offsets: handle + cpu holds the vCPU's address; vCPU + env is its register file. */
export interface RegisterFile {
  readonly cpu: number;
  readonly env: number;
}

/** Offsets of RCX (regs[1]) and RIP (eip, after regs[16]) in the register file. */
export const RCX_AT = 8;
export const RIP_AT = 0x80;

const SEARCH_BYTES = 64;
const MOV_RAX_FROM_RDI = [0x48, 0x8b, 0x87]; // mov rax, [rdi + disp32]
const LEA_RBP_FROM_RAX = [0x48, 0x8d, 0xa8]; // lea rbp, [rax + disp32]

/** The disp32 after the one occurrence of `opcode` in `code`, or undefined. */
function displacementAfter(code: Uint8Array, opcode: number[]): number | undefined {
  let found: number | undefined;
  for (let i = 0; i + opcode.length + 4 <= code.length; i++) {
    if (!opcode.every((b, k) => code[i + k] === b)) continue;
    if (found !== undefined) return undefined; // twice: not the code we know
    found = new DataView(code.buffer, code.byteOffset + i + opcode.length, 4).getInt32(0, true);
  }
  return found;
}

let layout: RegisterFile | null | undefined;

/** The offsets as read from the library's x86_reg_write, or undefined when it is not the code we know. */
export function registerFileLayout(): RegisterFile | undefined {
  if (layout !== undefined) return layout ?? undefined;
  layout = null;
  if (process.env.UNIKV_REGISTER_STORES === 'off') return undefined;
  const fn = BigInt(dlsym(dlopen(LIBUNICORN, RTLD_NOW), 'x86_reg_write_x86_64'));
  if (fn === 0n) return undefined;
  const code = new Uint8Array(SEARCH_BYTES);
  peek(code, fn, SEARCH_BYTES);
  const cpu = displacementAfter(code, MOV_RAX_FROM_RDI);
  const env = displacementAfter(code, LEA_RBP_FROM_RAX);
  if (cpu === undefined || env === undefined || cpu < 0 || env < 0) return undefined;
  layout = { cpu, env };
  return layout;
}

function load64(address: bigint): bigint {
  const bytes = new BigUint64Array(1);
  peek(new Uint8Array(bytes.buffer), address, 8);
  return bytes[0];
}

function store64(address: bigint, value: bigint): void {
  poke(address, new Uint8Array(new BigUint64Array([value]).buffer), 8);
}

/** What forEngine needs of an engine: its handle and its register calls. */
export interface RegisterAccess {
  readonly handle: unknown;
  read(reg: number): bigint;
  write(reg: number, value: bigint): void;
}

/**
 * The layout, if it holds for this engine: checked by writing and reading RCX and RIP
 * both ways (the registers get their values back afterwards). Call before the engine
 * first runs; `regs` gives the register ids of RCX and RIP.
 */
export function forEngine(engine: RegisterAccess, regs: { RCX: number; RIP: number }): RegisterFile | undefined {
  const found = registerFileLayout();
  if (found === undefined) return undefined;
  const vcpu = load64(BigInt(koffi.address(engine.handle)) + BigInt(found.cpu));
  if (vcpu === 0n) return undefined;
  const file = vcpu + BigInt(found.env);
  const saved = { rcx: engine.read(regs.RCX), rip: engine.read(regs.RIP) };
  try {
    for (const [reg, at] of [[regs.RCX, RCX_AT], [regs.RIP, RIP_AT]] as const) {
      const a = 0x5eed_0000_0000_1000n + BigInt(at);
      const b = 0x0b5e_0000_0000_2000n + BigInt(at);
      engine.write(reg, a);
      if (load64(file + BigInt(at)) !== a) return undefined;
      store64(file + BigInt(at), b);
      if (engine.read(reg) !== b) return undefined;
    }
    return found;
  } finally {
    engine.write(regs.RCX, saved.rcx);
    engine.write(regs.RIP, saved.rip);
  }
}
