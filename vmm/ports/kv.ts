// The key-value device: uhyve-style ports KV_PUT (0x900) and KV_GET (0x940). The
// guest kernel writes the address of an HcKv block; the device checks it and hands
// the request to the transport, which copies key and value out of guest memory
// before submit() returns (the guest may change its memory at any moment). When the answer comes back it
// writes the result (and a get's value) into guest memory, marks the block done and
// raises VEC_IO on the vCPU the block names. The device knows nothing of the
// channel or the backends behind the transport.
import { HcKv, MISC, PORT } from '../generated/abi.js';
import type { PortDevice } from '../port-bus.js';
import type { DeviceContext } from './device.js';

export interface KvRequest {
  op: number;
  key: Uint8Array;
  value: Uint8Array;
}

/**
 * Where requests go (vmm/kv/channel-transport.ts); `done` runs on this thread.
 * Key and value may be views of guest memory: submit() copies them before it returns.
 */
export interface KvTransport {
  submit(request: KvRequest, done: (status: number, value: Uint8Array) => void): void;
}

export interface KvIrq {
  raiseIo(cpu: number): void;
}

const EMPTY = new Uint8Array(0);

/** One device per port: KV_GET takes gets, KV_PUT takes puts and deletes. */
export function kvDevice(ctx: DeviceContext, transport: KvTransport, irq: KvIrq, port: number): PortDevice {
  const { mem } = ctx;
  const finish = (block: number, cpu: number, status: number, resultLength: number) => {
    mem.writeU64(block + HcKv.result_len, BigInt(resultLength));
    mem.writeI32(block + HcKv.status, status);
    mem.writeU32(block + HcKv.done, 1);
    irq.raiseIo(cpu);
  };

  return {
    name: port === PORT.KV_GET ? 'kv get' : 'kv put',
    write(_offset, block) {
      if (!mem.contains(block, HcKv.SIZE)) return; // no block to answer in
      const op = mem.readU32(block + HcKv.op);
      const keyLength = mem.readU32(block + HcKv.key_len);
      const keyAddress = mem.readU64(block + HcKv.key);
      const valueAddress = mem.readU64(block + HcKv.value);
      const valueLength = mem.readU64(block + HcKv.value_len);
      const cpu = mem.readU32(block + HcKv.cpu);
      const refuse = () => finish(block, cpu, MISC.KV_ABSENT, 0);

      const rightPort = port === PORT.KV_GET ? op === MISC.KV_OP_GET : op === MISC.KV_OP_PUT || op === MISC.KV_OP_DELETE;
      if (!rightPort || keyLength > MISC.KV_KEY_MAX || !mem.contains(keyAddress, keyLength)) return refuse();
      const key = mem.view(keyAddress, keyLength); // (submit copies: see KvTransport)
      let value: Uint8Array = EMPTY;
      if (op === MISC.KV_OP_PUT) {
        if (valueLength === 0n || valueLength > BigInt(MISC.KV_VALUE_MAX) || !mem.contains(valueAddress, valueLength)) return refuse();
        value = mem.view(valueAddress, valueLength);
      } else if (op === MISC.KV_OP_GET && valueLength > 0n && !mem.contains(valueAddress, valueLength)) {
        return refuse();
      }

      transport.submit({ op, key, value }, (status, answer) => {
        if (op !== MISC.KV_OP_GET || status !== MISC.KV_OK) return finish(block, cpu, status === MISC.KV_OK ? MISC.KV_OK : MISC.KV_ABSENT, 0);
        if (BigInt(answer.length) > valueLength) return finish(block, cpu, MISC.KV_TOO_SMALL, answer.length);
        mem.copyIn(valueAddress, answer); // checked when the request came in; RAM does not move
        finish(block, cpu, MISC.KV_OK, answer.length);
      });
    },
  };
}
