// A hypercall as --trace and --strace show it: the port's name from the ABI, the
// value written, and the fields of the port's struct by name, read after the device
// answered (so `len`, `ret` and `status` hold its answer): WRITE 0x400 value 0x2000
// {fd=1, buf=0x4021a0, len=6}. Struct layouts come from the spec (vmm/generated).
import type { GuestMemory } from '../guest-memory.js';
import { HYPERCALL_STRUCTS, PORT_NAMES } from '../generated/abi.js';
import { buffer, cString, hex } from './render.js';

/** Fields that hold a guest address (shown in hex; other numbers in decimal). */
const ADDRESS_FIELDS = new Set(['buf', 'dst', 'src', 'start', 'value']);
/** Fields that hold the address of a NUL-terminated path. */
const PATH_FIELDS = new Set(['name', 'oldname', 'newname']);

export function describeHypercall(mem: GuestMemory, port: number, value: number): string {
  const head = `${PORT_NAMES[port] ?? 'port'} 0x${port.toString(16)} value 0x${value.toString(16)}`;
  const layout = HYPERCALL_STRUCTS[port];
  if (!layout) return head;
  const base = BigInt(value);
  const size = layout.fields.reduce((end, [, offset, , bytes]) => Math.max(end, offset + bytes), 0);
  if (!mem.contains(base, size) || base === 0n) return `${head} (block outside RAM)`;
  const read = (offset: number, type: string): bigint => {
    const at = base + BigInt(offset);
    switch (type) {
      case 'u8':
        return BigInt(mem.readU8(at));
      case 'u16':
        return BigInt(mem.readU16(at));
      case 'u32':
        return BigInt(mem.readU32(at));
      case 'i32':
        return BigInt(mem.readI32(at));
      case 'i64':
        return mem.readI64(at);
      default:
        return mem.readU64(at);
    }
  };
  const values = new Map(layout.fields.filter(([, , type]) => type !== 'bytes').map(([name, offset, type]) => [name, read(offset, type)]));
  const shown: string[] = [];
  for (const [name, , type] of layout.fields) {
    const v = values.get(name);
    if (v === undefined || type === 'bytes') continue;
    if (name === 'key' && values.has('key_len')) shown.push(`key=${buffer(mem, v, values.get('key_len') ?? 0n)}`);
    else if (PATH_FIELDS.has(name) && type === 'u64') shown.push(`${name}=${cString(mem, v, true)}`);
    else shown.push(`${name}=${ADDRESS_FIELDS.has(name) ? hex(v) : v.toString()}`);
  }
  return `${head} {${shown.join(', ')}}`;
}
