// The shapes the ABI spec is written in (spec.ts, structs.ts): constants, structs and
// their fields, system calls.

export type FieldType = 'u8' | 'u16' | 'u32' | 'i32' | 'u64' | 'i64' | { bytes: number };
export interface Field {
  name: string;
  type: FieldType;
  doc: string;
}
export interface StructSpec {
  name: string;
  doc: string;
  fields: Field[];
}
export interface Constant {
  name: string;
  value: number | bigint;
  doc: string;
}
/** A system call: its number and the kernel routine the dispatch table sends it to. */
export interface Syscall {
  name: string;
  value: number;
  handler: string;
  doc: string;
}
