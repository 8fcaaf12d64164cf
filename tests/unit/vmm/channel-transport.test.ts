// The emulation thread's end of the channel (vmm/kv/channel-transport.ts). The device
// hands it views of guest memory; whatever the guest writes there after submit()
// returns must not change the request, whether it went straight into a channel slot
// or waited in the backlog because the channel was full.
import { describe, expect, it } from 'vitest';
import { ChannelServer, createChannel, STATUS, type ServedRequest } from '../../../channel/channel.js';
import { ChannelTransport } from '../../../vmm/kv/channel-transport.js';
import { MISC } from '../../../vmm/generated/abi.js';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString();

describe('ChannelTransport', () => {
  it('sends what guest memory held at submit time, also for requests held back by a full channel', async () => {
    const { sab } = createChannel(2, 1); // two slots: requests 3 to 6 wait in the backlog
    const seen: string[] = [];
    const server = new ChannelServer(sab);
    const serving = server.serve((request: ServedRequest) => {
      seen.push(`${text(request.key)}=${text(request.value)}`);
      return { status: STATUS.OK };
    });
    const transport = new ChannelTransport(sab);
    const guest = new Uint8Array(16); // stands for guest RAM: the device passes views of it
    const answers: number[] = [];
    for (let i = 1; i <= 6; i++) {
      guest.set(Buffer.from(`k${i}v${i}`));
      transport.submit({ op: MISC.KV_OP_PUT, key: guest.subarray(0, 2), value: guest.subarray(2, 4) }, (status) => answers.push(status));
      guest.fill(0x58); // the guest scribbles over both right after its call
    }
    for (let tries = 0; answers.length < 6 && tries < 1000; tries++) {
      transport.poll();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(answers).toEqual([0, 0, 0, 0, 0, 0].map(() => MISC.KV_OK));
    expect(seen).toEqual(['k1=v1', 'k2=v2', 'k3=v3', 'k4=v4', 'k5=v5', 'k6=v6']);
    await server.stop();
    await serving;
  });
});
