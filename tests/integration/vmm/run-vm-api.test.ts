// runVm() is how a program embeds the whole machine (the CLI is one such program):
// it boots a guest in this process with the caller's streams and the key-value proxy
// on its own thread, and returns the guest's status.
import { describe, expect, it } from 'vitest';
import { runVm } from '../../../vmm/vm.js';
import { RefusedError } from '../../../vmm/machine.js';
import type { HostStreams } from '../../../vmm/ports/device.js';
import { guestBin } from '../../helpers/run-vm.js';

function capture(): { streams: HostStreams; text: () => string } {
  const out: Buffer[] = [];
  return {
    streams: { write: (_fd, bytes) => out.push(Buffer.from(bytes)), read: () => 0 },
    text: () => Buffer.concat(out).toString(),
  };
}

describe('runVm, in process', () => {
  it('runs a key-value guest with the proxy on its own thread and returns its status and statistics', async () => {
    const console = capture();
    const result = await runVm({ appPath: guestBin('examples', 'kvdemo'), streams: console.streams, kv: { backend: 'memory' }, stats: true });
    expect(result.status).toBe(0);
    expect(console.text()).toContain('get("greeting")            -> 0, 17 bytes: hello, unikernel');
    expect(result.stats?.render()).toMatch(/KV_PUT/);
    expect(result.peakInFlight).toBeGreaterThanOrEqual(1);
  });

  it('without a backend, put and get fail with -1 and the guest goes on', async () => {
    const console = capture();
    const result = await runVm({ appPath: guestBin('examples', 'kvdemo'), streams: console.streams, kv: 'none' });
    expect(console.text()).toContain('put("greeting")            -> -1');
    expect(result.peakInFlight).toBeUndefined();
  });

  it('refuses a missing image with a RefusedError that names it', async () => {
    await expect(runVm({ appPath: '/nonexistent/app.elf', kv: 'none' })).rejects.toThrow(RefusedError);
    await expect(runVm({ appPath: '/nonexistent/app.elf', kv: 'none' })).rejects.toThrow(/\/nonexistent\/app\.elf: no such file/);
  });
});
