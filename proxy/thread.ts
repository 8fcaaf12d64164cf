// The proxy's thread: the backend driver. The VMM starts it (vmm/vm.ts) when the
// guest first uses the store, so programs that never do pay nothing for it. The
// vCPUs run on the VMM's main thread and reach this one through the device channel
// alone (channel/).
//
// The main thread is busy emulating while this thread works, so nothing here may
// rely on it: log lines go straight to fd 2, not through process.stderr (which a
// worker forwards via the main thread's event loop).
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { ProxyCommand, ProxyReport, ProxyThreadData } from '../channel/proxy-control.js';
import { ProxyService } from './kv-service.js';

const { channel, options } = workerData as ProxyThreadData;
const service = new ProxyService(channel, options, (line) => fs.writeSync(2, `${line}\n`));

parentPort!.on('message', async (command: ProxyCommand) => {
  if (command.kind !== 'close') return;
  const peakInFlight = await service.peakInFlight();
  await service.close();
  parentPort!.postMessage({ kind: 'closed', peakInFlight } satisfies ProxyReport);
  parentPort!.close();
});
