// Entry point of the daemon's data-plane thread. The control thread (daemon.ts) keeps
// its event loop for signals and timers; this thread blocks freely in futex and
// io_getevents while it serves the rings (see backend.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { Segment } from './ring/shm.js';
import { DirectReader } from './aio.js';
import { Backend, DEFAULT_BACKEND_OPTIONS } from './backend.js';
import { cacheCapacity, ClockCache } from './cache.js';
import { Registry } from './registry.js';

export interface BackendThreadData {
  image: string;
  registry: { name: string; addr: number; size: number };
  control: SharedArrayBuffer; // word 0: set to 1 to stop
  maxInFlight: number;
}

const data = workerData as BackendThreadData;
const port = parentPort!;
const control = new Int32Array(data.control);
const reg = new Registry(Segment.attach(data.registry.name, data.registry.addr, data.registry.size));

let reader: DirectReader;
try {
  reader = DirectReader.open(data.image, data.maxInFlight);
} catch (e) {
  port.postMessage({ type: 'error', message: (e as Error).message });
  process.exit(1);
}
const cache = new ClockCache(cacheCapacity(reader.bytes));
const backend = new Backend(reg, reader, cache, DEFAULT_BACKEND_OPTIONS);
port.postMessage({ type: 'ready', sectors: reader.sectors, cacheBytes: cache.limitBytes });
backend.run(() => Atomics.load(control, 0) !== 0);
reader.close();
port.postMessage({ type: 'stopped' });
