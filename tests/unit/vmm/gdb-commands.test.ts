// The gdb stub's commands (vmm/debug/commands.ts) against a machine of one vCPU
// whose memory is 64 KiB from 0x10000: well-formed commands answer as gdb expects,
// and malformed or hostile arguments answer `E..` without touching the target.
import { describe, expect, it } from 'vitest';
import { CommandSet, type DebugTarget, type PointKind } from '../../../vmm/debug/commands.js';
import { bytesOf, textOf } from '../../../vmm/debug/packets.js';
import { REGISTERS, TARGET_XML } from '../../../vmm/debug/target-description.js';

function machine() {
  const memory = new Uint8Array(0x10000);
  const registers = REGISTERS.map((r) => new Uint8Array(r.size));
  const points: string[] = [];
  const inRange = (a: bigint, n: number) => a >= 0x10000n && a + BigInt(n) <= 0x20000n;
  const target: DebugTarget = {
    cpuCount: () => 1,
    describe: (cpu) => `vCPU ${cpu}`,
    readRegister: (_cpu, n) => registers[n],
    writeRegister: (_cpu, n, bytes) => {
      registers[n] = bytes.slice();
      return true;
    },
    readMemory: (_cpu, a, n) => (inRange(a, n) ? memory.slice(Number(a) - 0x10000, Number(a) - 0x10000 + n) : undefined),
    writeMemory: (_cpu, a, data) => {
      if (!inRange(a, data.length)) return false;
      memory.set(data, Number(a) - 0x10000);
      return true;
    },
    setPoint: (kind: PointKind, a, n, insert) => {
      points.push(`${insert ? '+' : '-'}${kind}@${a.toString(16)}/${n}`);
      return true;
    },
    loadBias: () => 0n,
  };
  const commands = new CommandSet(target);
  const ask = (packet: string | Uint8Array) => {
    const answer = commands.answer(typeof packet === 'string' ? bytesOf(packet) : packet, 'T05thread:1;');
    return { text: answer.reply ? textOf(answer.reply) : undefined, resume: answer.resume };
  };
  return { ask, memory, registers, points };
}

describe('CommandSet', () => {
  it('reads and writes memory and registers', () => {
    const m = machine();
    expect(m.ask('M10000,4:01020304').text).toBe('OK');
    expect(m.ask('m10000,4').text).toBe('01020304');
    expect(m.ask(Uint8Array.from([...bytesOf('X10004,2:'), 0x7d, 0x03, 0x41])).text).toBe('OK'); // `}` escapes `#`
    expect(m.ask('m10004,2').text).toBe('2341');
    expect(m.ask('P10=efbeadde00000000').text).toBe('OK'); // rip
    expect(m.ask('p10').text).toBe('efbeadde00000000');
    expect(m.ask('g').text?.length).toBe(REGISTERS.reduce((sum, r) => sum + r.size * 2, 0));
  });

  it('answers E.. to hostile arguments', () => {
    const m = machine();
    for (const packet of [
      'm0,8',
      'm1fff8,10',
      'mffffffffffffffff,8',
      'm,',
      'mzz,1',
      'm10000',
      'M10000,2:01',
      'M0,1:00',
      'M10000,1:zz',
      'p99',
      'pxyz',
      'P10=00',
      'Z9,0,1',
      'Z2,10000,0',
      'Hgff',
      'Tff',
      'vCont;q',
      'vCont;s:9',
    ]) {
      expect(m.ask(packet).text, packet).toMatch(/^E[0-9a-f]{2}$/);
    }
    expect(m.points).toEqual([]);
  });

  it('caps a memory read at what one packet holds', () => {
    const m = machine();
    expect((m.ask('m10000,ffff').text?.length ?? 0) / 2).toBeLessThan(0x4000);
  });

  it('serves the target description in parts', () => {
    const m = machine();
    let xml = '';
    for (let offset = 0; ; offset += 0x100) {
      const part = m.ask(`qXfer:features:read:target.xml:${offset.toString(16)},100`).text ?? '';
      xml += part.slice(1);
      if (part[0] === 'l') break;
      expect(part[0]).toBe('m');
    }
    expect(xml).toBe(TARGET_XML);
    expect(xml).toContain('<architecture>i386:x86-64</architecture>');
    expect(m.ask('qXfer:features:read:other.xml:0,100').text).toMatch(/^E/);
  });

  it('decodes the commands that resume the guest', () => {
    const m = machine();
    expect(m.ask('vCont?').text).toBe('vCont;c;C;s;S');
    expect(m.ask('vCont;c').resume).toEqual({ kind: 'continue' });
    expect(m.ask('vCont;s:1;c').resume).toEqual({ kind: 'step', cpu: 0 });
    expect(m.ask('s').resume).toEqual({ kind: 'step', cpu: 0 });
    expect(m.ask('k').resume).toEqual({ kind: 'kill' });
    expect(m.ask('D')).toEqual({ text: 'OK', resume: { kind: 'detach' } });
    expect(m.ask('Z0,401000,1').text).toBe('OK');
    expect(m.ask('Z2,10000,4').text).toBe('OK');
    expect(m.points).toEqual(['+0@401000/1', '+2@10000/4']);
  });
});
