// The engine's "exception in flight" record, and how the VMM clears it.
//
// The emulated CPU remembers the last exception it raised (QEMU's old_exception) to
// turn a fault raised while delivering another into a double fault. The CPU clears
// it when it finishes delivering through the IDT; unicorn hands exceptions to the
// interrupt hook instead and never delivers them, so the record stays set: a second
// divide error, or a second page fault, anywhere later in the run arrives as #DF,
// and a third as a triple fault. The VMM delivers every exception itself, so after
// each delivery it clears the record as the CPU would.
//
// The engine also raises and drops faults of its own around a stop, which set the
// record too; two of them in a row leave it at #DF, and the guest's next fault is
// then a triple fault, after which the engine just returns at the faulting
// instruction, without a word (vmm/cpu/vcpu.ts runs it again after a clear).
//
// The record's place in the engine's register file is found by behaviour, not
// assumed from a version: a bare engine raises a divide error twice; the field
// that reads -1 before the first and 0 after it, and whose reset to -1 makes the
// second one arrive as a divide error again, is the record. Found once per process,
// the first time it is needed (a bare engine and two runs: docs/history.md), so runs
// that never fault never pay for it.
import { peek, poke } from '@unikv/host-libc/c';
import { registerFileAddress, registerFileLayout } from './register-file.js';
import { Engine } from './unicorn.js';

/** How far into the register file the search looks (the record lies well inside). */
const SEARCH_BYTES = 0x6000;
const VEC_DE = 0;
/** xor ecx, ecx ; div ecx ; hlt */
const DIVIDE_BY_ZERO = [0x31, 0xc9, 0xf7, 0xf1, 0xf4];
const CODE_AT = 0x1000;

export type ExceptionStateState = 'found and cleared' | 'not found' | 'not needed yet';

let offset: number | null | undefined;

/** The address of this engine's register file (CPUX86State), or undefined. */
function registerFileOf(engine: Engine): bigint | undefined {
  const layout = registerFileLayout();
  return layout === undefined ? undefined : registerFileAddress(engine, layout);
}

function words(file: bigint): Int32Array {
  const bytes = new Uint8Array(SEARCH_BYTES);
  peek(bytes, file, SEARCH_BYTES);
  return new Int32Array(bytes.buffer);
}

function storeMinusOne(address: bigint): void {
  poke(address, new Uint8Array(new Int32Array([-1]).buffer), 4);
}

/** Runs the probe on a bare engine: the record's byte offset, or null. */
function findOffset(): number | null {
  const ram = new Uint8Array(new SharedArrayBuffer(0x2000));
  ram.set(DIVIDE_BY_ZERO, CODE_AT);
  const engine = new Engine();
  try {
    engine.mapShared(0n, ram);
    const vectors: number[] = [];
    engine.onInterrupt((vector) => {
      vectors.push(vector);
      engine.stop();
    });
    const file = registerFileOf(engine);
    if (file === undefined) return null;
    const before = words(file);
    engine.start(BigInt(CODE_AT));
    const after = words(file);
    for (let i = 0; i < before.length; i++) {
      if (before[i] !== -1 || after[i] !== VEC_DE) continue;
      storeMinusOne(file + BigInt(i * 4));
      vectors.length = 0;
      engine.start(BigInt(CODE_AT));
      if (vectors[0] === VEC_DE) return i * 4;
    }
    return null;
  } finally {
    engine.close();
  }
}

/** The record's offset in the register file, found on first use; null when not found. */
function recordOffset(): number | null {
  if (offset === undefined) offset = findOffset();
  return offset;
}

/**
 * The address of `engine`'s exception-in-flight record, or undefined when it was not
 * found (the first call runs the probe, once per process).
 */
export function exceptionRecordOf(engine: Engine): bigint | undefined {
  const at = recordOffset();
  if (at === null) return undefined;
  const file = registerFileOf(engine);
  return file === undefined ? undefined : file + BigInt(at);
}

/** Clears a record found by exceptionRecordOf, as the CPU does when it finishes a delivery. */
export function clearRecord(record: bigint): void {
  storeMinusOne(record);
}

/** For --stats: whether the record was found. */
export function exceptionStateState(): ExceptionStateState {
  if (offset === undefined) return 'not needed yet';
  return offset === null ? 'not found' : 'found and cleared';
}
