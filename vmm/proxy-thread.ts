// The key-value proxy's thread: the backend driver, started by the CLI only when the
// guest first uses the store (programs that never do pay nothing for it). The vCPUs
// run on the main thread and reach this one through the device channel alone.
//
// The main thread is busy emulating while this thread works, so nothing here may
// rely on it: log lines go straight to fd 2, not through process.stderr (which a
// worker forwards via the main thread's event loop).
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { ProxyService } from '../proxy/kv-service.js';
import type { OpenBackendOptions } from '../proxy/kv/index.js';

export interface ProxyThreadData {
  channel: SharedArrayBuffer;
  options: OpenBackendOptions;
}

/** Main thread -> proxy: finish the requests in flight, close the backend, report. */
export type ProxyCommand = { kind: 'close' };
/** Proxy -> main thread, in answer to close. */
export type ProxyReport = { kind: 'closed'; peakInFlight: number | undefined };

const { channel, options } = workerData as ProxyThreadData;
const service = new ProxyService(channel, options, (line) => fs.writeSync(2, line + '\n'));

parentPort!.on('message', async (command: ProxyCommand) => {
  if (command.kind !== 'close') return;
  const peakInFlight = await service.peakInFlight();
  await service.close();
  parentPort!.postMessage({ kind: 'closed', peakInFlight } satisfies ProxyReport);
  parentPort!.close();
});
