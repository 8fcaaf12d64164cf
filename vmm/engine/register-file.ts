// Where the engine keeps a vCPU's registers, so that the machine-code `syscall` hook
// can load and store RCX and RIP directly. uc_reg_write(RIP) also makes the engine
// leave and re-enter its execution loop, which the hook does not need: the engine
// reads RIP again when the `syscall` instruction's block ends (docs/architecture.md).
//
// The layout is read from the library's code, never assumed from its version:
//   - uc_reg_write itself, where it loads the vCPU from the handle and then the
//     register file's address from the vCPU (`mov r, [rdi + cpu]`, `mov r', [r + env]`,
//     2.1.x): the register file is *(*(uc + cpu) + env) ("found in uc_reg_write");
//   - else x86_reg_write_x86_64 (2.0.x), which loads the vCPU and takes the address of
//     its embedded register file (`mov rax, [rdi + cpu]`, `lea rbp, [rax + env]`): the
//     register file is *(uc + cpu) + env ("found in x86_reg_write").
// Each instruction must occur exactly once, and every engine checks the layout before
// it first runs (forEngine). Otherwise the hook calls the library ("fallback");
// UNIKV_REGISTER_STORES=off does the same on purpose ("disabled").
import { koffi } from '@unikv/host-libc/c';
import { LIBUNICORN } from './preload.js';
import { dlopen, dlsym, peek, poke, RTLD_NOW } from './libc.js';

/**
 * Byte offsets: handle + cpu holds the vCPU's address; the register file is at
 * vCPU + env, or, when `indirect`, at the address stored at vCPU + env.
 */
export interface RegisterFile {
  readonly cpu: number;
  readonly env: number;
  readonly indirect?: boolean;
}

export type RegisterFileState = 'found in uc_reg_write' | 'found in x86_reg_write' | 'fallback' | 'disabled';

/** Offsets of RAX (regs[0]), RCX (regs[1]) and RIP (eip, after regs[16]) in QEMU's CPUX86State. */
export const RAX_AT = 0;
export const RCX_AT = 8;
export const RIP_AT = 0x80;

const SEARCH_BYTES = 64;
const MOV_RAX_FROM_RDI = [0x48, 0x8b, 0x87]; // mov rax, [rdi + disp32]
const LEA_RBP_FROM_RAX = [0x48, 0x8d, 0xa8]; // lea rbp, [rax + disp32]

const disp32 = (code: Uint8Array, at: number) => new DataView(code.buffer, code.byteOffset + at, 4).getInt32(0, true);

/** The disp32 after the one occurrence of `opcode` in `code`, or undefined. */
function displacementAfter(code: Uint8Array, opcode: number[]): number | undefined {
  let found: number | undefined;
  for (let i = 0; i + opcode.length + 4 <= code.length; i++) {
    if (!opcode.every((b, k) => code[i + k] === b)) continue;
    if (found !== undefined) return undefined; // twice: not the code we know
    found = disp32(code, i + opcode.length);
  }
  return found;
}

/** Positions of `mov r64, [base + disp32]` (REX.W 8B, mod 10) in `code`, with the registers it names. */
function loads(code: Uint8Array): { at: number; dest: number; base: number; disp: number }[] {
  const found = [];
  for (let i = 0; i + 7 <= code.length; i++) {
    const rex = code[i];
    if ((rex & 0xf8) !== 0x48 || (rex & 0x02) !== 0 || code[i + 1] !== 0x8b) continue; // REX.W, no REX.X
    const modrm = code[i + 2];
    if (modrm >> 6 !== 2 || (modrm & 7) === 4) continue; // [base + disp32], no SIB
    const dest = ((modrm >> 3) & 7) | ((rex & 4) << 1);
    const base = (modrm & 7) | ((rex & 1) << 3);
    found.push({ at: i, dest, base, disp: disp32(code, i + 3) });
  }
  return found;
}

const RDI = 7;

/**
 * The layout in uc_reg_write's code (2.1.x form): exactly one load of the vCPU from
 * the handle (rdi), followed by exactly one load through that register. Pure, for tests.
 */
export function layoutFromRegWrite(code: Uint8Array): RegisterFile | undefined {
  const all = loads(code);
  const cpuLoads = all.filter((l) => l.base === RDI);
  if (cpuLoads.length !== 1) return undefined;
  const cpu = cpuLoads[0];
  const through = all.filter((l) => l.at > cpu.at && l.base === cpu.dest);
  if (through.length !== 1 || cpu.disp < 0 || through[0].disp < 0) return undefined;
  return { cpu: cpu.disp, env: through[0].disp, indirect: true };
}

/** The layout in x86_reg_write_x86_64's code (2.0.x form). Pure, for tests. */
export function layoutFromX86RegWrite(code: Uint8Array): RegisterFile | undefined {
  const cpu = displacementAfter(code, MOV_RAX_FROM_RDI);
  const env = displacementAfter(code, LEA_RBP_FROM_RAX);
  if (cpu === undefined || env === undefined || cpu < 0 || env < 0) return undefined;
  return { cpu, env };
}

let layout: RegisterFile | null | undefined;
let state: RegisterFileState = 'fallback';

function codeOf(handle: unknown, symbol: string): Uint8Array | undefined {
  const fn = handle ? BigInt(dlsym(handle, symbol)) : 0n;
  if (fn === 0n) return undefined;
  const code = new Uint8Array(SEARCH_BYTES);
  peek(code, fn, SEARCH_BYTES);
  return code;
}

/** The offsets as read from the library's code, or undefined when it is not code we know. */
export function registerFileLayout(): RegisterFile | undefined {
  if (layout !== undefined) return layout ?? undefined;
  layout = null;
  if (process.env.UNIKV_REGISTER_STORES === 'off') {
    state = 'disabled';
    return undefined;
  }
  const handle = dlopen(LIBUNICORN, RTLD_NOW);
  const regWrite = codeOf(handle, 'uc_reg_write');
  const direct = regWrite && layoutFromRegWrite(regWrite);
  const x86 = direct ? undefined : codeOf(handle, 'x86_reg_write_x86_64');
  const embedded = x86 && layoutFromX86RegWrite(x86);
  layout = direct ?? embedded ?? null;
  state = direct ? 'found in uc_reg_write' : embedded ? 'found in x86_reg_write' : 'fallback';
  return layout ?? undefined;
}

/** How the layout was found, or that the hook falls back to library calls. */
export function registerFileState(): RegisterFileState {
  registerFileLayout();
  return state;
}

function load64(address: bigint): bigint {
  const bytes = new BigUint64Array(1);
  peek(new Uint8Array(bytes.buffer), address, 8);
  return bytes[0];
}

function store64(address: bigint, value: bigint): void {
  poke(address, new Uint8Array(new BigUint64Array([value]).buffer), 8);
}

/**
 * Where `engine`'s register file (QEMU's CPUX86State) lies in this process, by
 * `layout`; undefined when the engine has none there yet.
 */
export function registerFileAddress(engine: { readonly handle: unknown }, layout: RegisterFile): bigint | undefined {
  const vcpu = load64(BigInt(koffi.address(engine.handle)) + BigInt(layout.cpu));
  if (vcpu === 0n) return undefined;
  const file = layout.indirect ? load64(vcpu + BigInt(layout.env)) : vcpu + BigInt(layout.env);
  return file === 0n ? undefined : file;
}

/** What forEngine needs of an engine: its handle and its register calls. */
export interface RegisterAccess {
  readonly handle: unknown;
  read(reg: number): bigint;
  write(reg: number, value: bigint): void;
}

/**
 * The layout, if it holds for this engine: checked by writing and reading RCX and RIP
 * (and RAX, when given) both ways (the registers get their values back afterwards).
 * Call before the engine first runs; `regs` gives the register ids.
 */
export function forEngine(engine: RegisterAccess, regs: { RAX?: number; RCX: number; RIP: number }, found = registerFileLayout()): RegisterFile | undefined {
  if (found === undefined) return undefined;
  const file = registerFileAddress(engine, found);
  if (file === undefined) return undefined;
  const saved = { rax: regs.RAX === undefined ? 0n : engine.read(regs.RAX), rcx: engine.read(regs.RCX), rip: engine.read(regs.RIP) };
  const checked: [number, number][] = [
    [regs.RCX, RCX_AT],
    [regs.RIP, RIP_AT],
  ];
  if (regs.RAX !== undefined) checked.push([regs.RAX, RAX_AT]); // the call's number, for --stats' counts by call
  try {
    for (const [reg, at] of checked) {
      const a = 0x5eed_0000_0000_1000n + BigInt(at);
      const b = 0x0b5e_0000_0000_2000n + BigInt(at);
      engine.write(reg, a);
      if (load64(file + BigInt(at)) !== a) return undefined;
      store64(file + BigInt(at), b);
      if (engine.read(reg) !== b) return undefined;
    }
    return found;
  } finally {
    if (regs.RAX !== undefined) engine.write(regs.RAX, saved.rax);
    engine.write(regs.RCX, saved.rcx);
    engine.write(regs.RIP, saved.rip);
  }
}
