// The emulation thread. The vCPU loop runs here so that the main thread's event
// loop stays free for I/O (the key-value backends live there).
import fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { runMachine, RefusedError } from './machine.js';
import { processStreams } from './host-streams.js';

export interface WorkerConfig {
  kernelPath: string;
  appPath: string;
  args: string[];
  env: string[];
  memBytes: number;
  cpus: number;
  stats: boolean;
  trace: boolean;
  share?: string;
  preload?: string;
  kvChannel?: SharedArrayBuffer;
}

export type WorkerMessage = { kind: 'exit'; status: number } | { kind: 'refused'; message: string };

const log = (line: string) => fs.writeSync(2, line + '\n');

// The engine module is already loaded (static imports) by the time the CLI has
// parsed its options and sends the configuration.
parentPort!.once('message', (cfg: WorkerConfig) => {
  let message: WorkerMessage;
  try {
    const result = runMachine({
      ...cfg,
      streams: processStreams,
      log,
      trace: cfg.trace ? (line) => log(`trace: ${line}`) : undefined,
    });
    if (result.stats) fs.writeSync(2, result.stats.render());
    message = { kind: 'exit', status: result.status };
  } catch (e) {
    if (!(e instanceof RefusedError)) throw e;
    message = { kind: 'refused', message: e.message };
  }
  parentPort!.postMessage(message);
  parentPort!.close();
});
