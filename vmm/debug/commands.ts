// The GDB remote protocol's commands, answered against a DebugTarget: queries,
// registers, memory, threads, break- and watchpoints, and the commands that resume
// the guest (which this layer only decodes: the stub runs them). Every argument comes
// from the debugger and is checked here; a malformed one is answered `E..`.
import { TARGET_XML, REGISTERS } from './target-description.js';
import { bytesOf, escapeBinary, MAX_PACKET, textOf, unescapeBinary } from './packets.js';

/** Z/z types: 0 software breakpoint, 1 hardware breakpoint, 2 write, 3 read, 4 access watchpoint. */
export type PointKind = 0 | 1 | 2 | 3 | 4;

/** What the stub needs of the machine; `cpu` is a vCPU index (gdb's thread id minus one). */
export interface DebugTarget {
  cpuCount(): number;
  /** A line shown by `info threads` for a vCPU. */
  describe(cpu: number): string;
  readRegister(cpu: number, regnum: number): Uint8Array;
  writeRegister(cpu: number, regnum: number, bytes: Uint8Array): boolean;
  /** Bytes at a virtual address through the guest's page tables; fewer (or none: undefined) where a page is not mapped. */
  readMemory(cpu: number, address: bigint, length: number): Uint8Array | undefined;
  writeMemory(cpu: number, address: bigint, data: Uint8Array): boolean;
  /** Inserts (or removes) a break- or watchpoint; false when it cannot. */
  setPoint(kind: PointKind, address: bigint, length: number, insert: boolean): boolean;
  /** The program's load bias (a static PIE's distance from its link address), for qOffsets. */
  loadBias(): bigint;
}

/** A command that hands the guest back to the stub. */
export type Resume = { kind: 'continue' } | { kind: 'step'; cpu: number } | { kind: 'kill' } | { kind: 'detach' };

/** A reply, and whether the stub then resumes, kills or lets go of the guest. */
export interface Answer {
  reply?: Uint8Array;
  /** The reply is hex text and may be run-length encoded. */
  encodable?: boolean;
  resume?: Resume;
  /** QStartNoAckMode was accepted: stop acknowledging after this reply. */
  noAck?: boolean;
}

const ERR_BAD_ARGS = 'E01';
const ERR_NO_THREAD = 'E02';
const ERR_MEMORY = 'E14'; // EFAULT
const ERR_CANNOT = 'E03';
/** The largest memory block one `m` answers: what fits in a packet as hex. */
const MAX_READ = (MAX_PACKET - 8) >> 1;

const HEX = /^[0-9a-fA-F]+$/;

const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

function fromHex(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0 || (text.length > 0 && !HEX.test(text))) return undefined;
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

/** A hex number of at most 16 digits, or undefined. */
function hexNumber(text: string | undefined): bigint | undefined {
  if (text === undefined || text.length === 0 || text.length > 16 || !HEX.test(text)) return undefined;
  return BigInt(`0x${text}`);
}

/** "addr,length" with a sane length, or undefined. */
function range(text: string, maxLength: number): { address: bigint; length: number } | undefined {
  const [a, l, extra] = text.split(',');
  const address = hexNumber(a);
  const length = hexNumber(l);
  if (extra !== undefined || address === undefined || length === undefined || length > BigInt(maxLength)) return undefined;
  return { address, length: Number(length) };
}

const text = (s: string): Answer => ({ reply: bytesOf(s) });

export class CommandSet {
  /** The thread register commands (g, p, G, P) apply to, as a vCPU index. */
  private registerCpu = 0;
  /** The thread `c`/`s` apply to (Hc), -1 for all. */
  private resumeCpu = -1;

  constructor(private readonly target: DebugTarget) {}

  /** Makes `cpu` the thread register commands apply to (the one that stopped). */
  focus(cpu: number): void {
    this.registerCpu = cpu;
  }

  /** Answers one packet; `stopReply` is the answer to `?`. */
  answer(packet: Uint8Array, stopReply: string): Answer {
    const p = textOf(packet);
    if (p.length === 0) return text('');
    // X carries binary data after its colon: decoded from the bytes, not from text.
    if (p[0] === 'X') return this.writeBinary(packet);
    switch (p[0]) {
      case '?':
        return text(stopReply);
      case 'g':
        return p.length === 1 ? this.readAll() : text(ERR_BAD_ARGS);
      case 'G':
        return this.writeAll(p.slice(1));
      case 'p':
        return this.readOne(p.slice(1));
      case 'P':
        return this.writeOne(p.slice(1));
      case 'm':
        return this.readMemory(p.slice(1));
      case 'M':
        return this.writeMemory(p.slice(1));
      case 'Z':
      case 'z':
        return this.point(p.slice(1), p[0] === 'Z');
      case 'H':
        return this.selectThread(p.slice(1));
      case 'T':
        return text(this.thread(p.slice(1)) === undefined ? ERR_NO_THREAD : 'OK');
      case 'c':
      case 'C':
        return { resume: { kind: 'continue' } };
      case 's':
      case 'S':
        return { resume: { kind: 'step', cpu: this.resumeCpu >= 0 ? this.resumeCpu : this.registerCpu } };
      case 'k':
        return { resume: { kind: 'kill' } };
      case 'D':
        return { reply: bytesOf('OK'), resume: { kind: 'detach' } };
      case 'v':
        return this.vPacket(p);
      case 'q':
      case 'Q':
        return this.query(p);
      default:
        return text('');
    }
  }

  private query(p: string): Answer {
    if (p.startsWith('qSupported')) {
      return text(`PacketSize=${MAX_PACKET.toString(16)};qXfer:features:read+;vContSupported+;swbreak+;hwbreak+;QStartNoAckMode+`);
    }
    if (p === 'QStartNoAckMode') return { reply: bytesOf('OK'), noAck: true };
    if (p.startsWith('qXfer:features:read:target.xml:')) return this.document(TARGET_XML, p.slice('qXfer:features:read:target.xml:'.length));
    if (p.startsWith('qXfer:features:read:')) return text('E00');
    if (p === 'qfThreadInfo') return text(`m${Array.from({ length: this.target.cpuCount() }, (_, i) => (i + 1).toString(16)).join(',')}`);
    if (p === 'qsThreadInfo') return text('l');
    if (p === 'qC') return text(`QC${(this.registerCpu + 1).toString(16)}`);
    if (p === 'qAttached' || p.startsWith('qAttached:')) return text('1');
    if (p === 'qOffsets') {
      const bias = this.target.loadBias().toString(16);
      return text(`Text=${bias};Data=${bias};Bss=${bias}`);
    }
    if (p === 'qSymbol::') return text('OK');
    if (p.startsWith('qThreadExtraInfo,')) {
      const cpu = this.thread(p.slice('qThreadExtraInfo,'.length));
      return cpu === undefined ? text(ERR_NO_THREAD) : text(toHex(bytesOf(this.target.describe(cpu))));
    }
    return text('');
  }

  /** A part of a document for qXfer: `offset,length` in hex; `m` when more follows, `l` for the last part. */
  private document(content: string, args: string): Answer {
    const r = range(args, 0xffff_ffff);
    if (!r) return text(ERR_BAD_ARGS);
    const doc = bytesOf(content);
    if (r.address >= BigInt(doc.length)) return text('l');
    const start = Number(r.address);
    const chunk = doc.subarray(start, start + Math.min(r.length, MAX_READ));
    const body = escapeBinary(chunk);
    const reply = new Uint8Array(body.length + 1);
    reply[0] = (start + chunk.length >= doc.length ? 'l' : 'm').charCodeAt(0);
    reply.set(body, 1);
    return { reply };
  }

  /** A thread id (hex; 0 and -1 mean any) as a vCPU index, or undefined when there is none such. */
  private thread(id: string): number | undefined {
    if (id === '-1' || id === '0') return this.registerCpu;
    const n = hexNumber(id);
    if (n === undefined || n < 1n || n > BigInt(this.target.cpuCount())) return undefined;
    return Number(n) - 1;
  }

  private selectThread(args: string): Answer {
    const which = args[0];
    const id = args.slice(1);
    if (which === 'c' && (id === '-1' || id === '0')) {
      this.resumeCpu = -1;
      return text('OK');
    }
    const cpu = this.thread(id);
    if (cpu === undefined || (which !== 'g' && which !== 'c')) return text(ERR_NO_THREAD);
    if (which === 'g') this.registerCpu = cpu;
    else this.resumeCpu = cpu;
    return text('OK');
  }

  private readAll(): Answer {
    const parts = REGISTERS.map((_, n) => toHex(this.target.readRegister(this.registerCpu, n)));
    return { reply: bytesOf(parts.join('')), encodable: true };
  }

  private writeAll(hex: string): Answer {
    const bytes = fromHex(hex);
    const total = REGISTERS.reduce((sum, r) => sum + r.size, 0);
    if (!bytes || bytes.length > total) return text(ERR_BAD_ARGS);
    let offset = 0;
    let ok = true;
    for (let n = 0; n < REGISTERS.length && offset + REGISTERS[n].size <= bytes.length; n++) {
      const size = REGISTERS[n].size;
      ok = this.target.writeRegister(this.registerCpu, n, bytes.subarray(offset, offset + size)) && ok;
      offset += size;
    }
    return text(ok ? 'OK' : ERR_CANNOT);
  }

  private regnum(text: string): number | undefined {
    const n = hexNumber(text);
    return n === undefined || n >= BigInt(REGISTERS.length) ? undefined : Number(n);
  }

  private readOne(args: string): Answer {
    const n = this.regnum(args);
    if (n === undefined) return text(ERR_BAD_ARGS);
    return { reply: bytesOf(toHex(this.target.readRegister(this.registerCpu, n))), encodable: true };
  }

  private writeOne(args: string): Answer {
    const [which, value] = args.split('=');
    const n = this.regnum(which);
    const bytes = value === undefined ? undefined : fromHex(value);
    if (n === undefined || !bytes || bytes.length !== REGISTERS[n].size) return text(ERR_BAD_ARGS);
    return text(this.target.writeRegister(this.registerCpu, n, bytes) ? 'OK' : ERR_CANNOT);
  }

  private readMemory(args: string): Answer {
    const r = range(args, 0xffff_ffff);
    if (!r) return text(ERR_BAD_ARGS);
    if (r.length === 0) return text('');
    const data = this.target.readMemory(this.registerCpu, r.address, Math.min(r.length, MAX_READ));
    if (!data || data.length === 0) return text(ERR_MEMORY);
    return { reply: bytesOf(toHex(data)), encodable: true };
  }

  private writeMemory(args: string): Answer {
    const colon = args.indexOf(':');
    const r = colon < 0 ? undefined : range(args.slice(0, colon), MAX_PACKET);
    const data = colon < 0 ? undefined : fromHex(args.slice(colon + 1));
    if (!r || !data || data.length !== r.length) return text(ERR_BAD_ARGS);
    return text(this.target.writeMemory(this.registerCpu, r.address, data) ? 'OK' : ERR_MEMORY);
  }

  private writeBinary(packet: Uint8Array): Answer {
    const colon = packet.indexOf(0x3a);
    const r = colon < 0 ? undefined : range(textOf(packet.subarray(1, colon)), MAX_PACKET);
    if (!r) return text(ERR_BAD_ARGS);
    const data = unescapeBinary(packet.subarray(colon + 1));
    if (data.length !== r.length) return text(ERR_BAD_ARGS);
    if (r.length === 0) return text('OK'); // gdb's probe for X support
    return text(this.target.writeMemory(this.registerCpu, r.address, data) ? 'OK' : ERR_MEMORY);
  }

  private point(args: string, insert: boolean): Answer {
    const [type, address, kind] = args.split(/[,;]/);
    const t = Number(type);
    const a = hexNumber(address);
    const k = hexNumber(kind);
    if (!/^[0-4]$/.test(type) || a === undefined || k === undefined || k > 0x1000n) {
      return text(ERR_BAD_ARGS);
    }
    // Conditions and commands (after `;`) are gdb's to evaluate: ignored here.
    const length = t >= 2 ? Number(k) : 1;
    if (length === 0) return text(ERR_BAD_ARGS);
    return text(this.target.setPoint(t as PointKind, a, length, insert) ? 'OK' : ERR_CANNOT);
  }

  private vPacket(p: string): Answer {
    if (p === 'vCont?') return text('vCont;c;C;s;S');
    if (p.startsWith('vCont;')) return this.vCont(p.slice('vCont;'.length));
    if (p.startsWith('vKill')) return { reply: bytesOf('OK'), resume: { kind: 'kill' } };
    return text(''); // vMustReplyEmpty and everything not offered
  }

  /** vCont: the first step action names the thread to step (all-stop: the others wait); otherwise all continue. */
  private vCont(actions: string): Answer {
    let step: number | undefined;
    let any = false;
    for (const action of actions.split(';')) {
      const [verb, id] = action.split(':');
      if (!/^([cs]|[CS][0-9a-fA-F]{2})$/.test(verb)) return text(ERR_BAD_ARGS);
      const cpu = id === undefined ? this.registerCpu : this.thread(id);
      if (cpu === undefined) return text(ERR_NO_THREAD);
      any = true;
      if ((verb[0] === 's' || verb[0] === 'S') && step === undefined) step = cpu;
    }
    if (!any) return text(ERR_BAD_ARGS);
    return { resume: step === undefined ? { kind: 'continue' } : { kind: 'step', cpu: step } };
  }
}
