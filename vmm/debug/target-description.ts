// The x86-64 register set the stub offers gdb, in gdb's numbering (the order of the
// `g` packet), and the target description XML (qXfer:features:read) that tells gdb
// the layout: org.gnu.gdb.i386.core (general registers, rip, eflags, segment
// selectors, x87), .sse (xmm0-15, mxcsr) and .segments (fs_base, gs_base).

export interface RegisterInfo {
  name: string;
  /** Bytes in the `g` packet. */
  size: number;
  type: string;
  group?: string;
  feature: 'core' | 'sse' | 'segments';
}

const gpr = (name: string, type = 'int64'): RegisterInfo => ({ name, size: 8, type, feature: 'core' });
const int32 = (name: string, group?: string): RegisterInfo => ({ name, size: 4, type: 'int', group, feature: 'core' });

export const REGISTERS: readonly RegisterInfo[] = [
  ...['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi'].map((n) => gpr(n)),
  gpr('rbp', 'data_ptr'),
  gpr('rsp', 'data_ptr'),
  ...Array.from({ length: 8 }, (_, i) => gpr(`r${i + 8}`)),
  gpr('rip', 'code_ptr'),
  { name: 'eflags', size: 4, type: 'i386_eflags', feature: 'core' },
  ...['cs', 'ss', 'ds', 'es', 'fs', 'gs'].map((n) => ({ name: n, size: 4, type: 'int32', feature: 'core' as const })),
  ...Array.from({ length: 8 }, (_, i): RegisterInfo => ({ name: `st${i}`, size: 10, type: 'i387_ext', feature: 'core' })),
  ...['fctrl', 'fstat', 'ftag', 'fiseg', 'fioff', 'foseg', 'fooff', 'fop'].map((n) => int32(n, 'float')),
  ...Array.from({ length: 16 }, (_, i): RegisterInfo => ({ name: `xmm${i}`, size: 16, type: 'vec128', feature: 'sse' })),
  { name: 'mxcsr', size: 4, type: 'i386_mxcsr', group: 'vector', feature: 'sse' },
  { name: 'fs_base', size: 8, type: 'int', feature: 'segments' },
  { name: 'gs_base', size: 8, type: 'int', feature: 'segments' },
];

/** gdb's register number of each name. */
export const REGNUM: Readonly<Record<string, number>> = Object.fromEntries(REGISTERS.map((r, i) => [r.name, i]));

const EFLAGS_FIELDS = [
  'CF:0',
  'res1:1',
  'PF:2',
  'AF:4',
  'ZF:6',
  'SF:7',
  'TF:8',
  'IF:9',
  'DF:10',
  'OF:11',
  'NT:14',
  'RF:16',
  'VM:17',
  'AC:18',
  'VIF:19',
  'VIP:20',
  'ID:21',
];
const MXCSR_FIELDS = ['IE:0', 'DE:1', 'ZE:2', 'OE:3', 'UE:4', 'PE:5', 'DAZ:6', 'IM:7', 'DM:8', 'ZM:9', 'OM:10', 'UM:11', 'PM:12', 'FZ:15'];

function flags(id: string, fields: string[]): string {
  const body = fields.map((f) => {
    const [name, bit] = f.split(':');
    return `<field name="${name}" start="${bit}" end="${bit}"/>`;
  });
  return `<flags id="${id}" size="4">${body.join('')}</flags>`;
}

function registersOf(feature: RegisterInfo['feature']): string {
  return REGISTERS.map((r, regnum) => ({ r, regnum }))
    .filter(({ r }) => r.feature === feature)
    .map(({ r, regnum }) => `<reg name="${r.name}" bitsize="${r.size * 8}" type="${r.type}" regnum="${regnum}"${r.group ? ` group="${r.group}"` : ''}/>`)
    .join('');
}

const VECTORS = [
  ['v4f', 'ieee_single', 4, 'v4_float'],
  ['v2d', 'ieee_double', 2, 'v2_double'],
  ['v16i8', 'int8', 16, 'v16_int8'],
  ['v8i16', 'int16', 8, 'v8_int16'],
  ['v4i32', 'int32', 4, 'v4_int32'],
  ['v2i64', 'int64', 2, 'v2_int64'],
] as const;

/** The whole description, as gdb reads it through qXfer:features:read:target.xml. */
export const TARGET_XML = [
  '<?xml version="1.0"?><!DOCTYPE target SYSTEM "gdb-target.dtd">',
  '<target version="1.0"><architecture>i386:x86-64</architecture>',
  `<feature name="org.gnu.gdb.i386.core">${flags('i386_eflags', EFLAGS_FIELDS)}${registersOf('core')}</feature>`,
  '<feature name="org.gnu.gdb.i386.sse">',
  VECTORS.map(([id, type, count]) => `<vector id="${id}" type="${type}" count="${count}"/>`).join(''),
  `<union id="vec128">${VECTORS.map(([id, , , field]) => `<field name="${field}" type="${id}"/>`).join('')}<field name="uint128" type="uint128"/></union>`,
  `${flags('i386_mxcsr', MXCSR_FIELDS)}${registersOf('sse')}</feature>`,
  `<feature name="org.gnu.gdb.i386.segments">${registersOf('segments')}</feature>`,
  '</target>',
].join('');
