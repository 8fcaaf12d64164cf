// A producer thread for tests/unit/channel/channel.test.ts: the emulation side of the
// channel, run in a real worker_thread against the real module.
//
// vitest runs .ts files in its own process only; a Worker needs JavaScript.
// The test therefore compiles this file and vmm/channel/*.ts with the
// project's own tsc into a temporary directory and starts the compiled copy
// (see compileChannelForWorkers in channel.test.ts).
//
// Modes:
//   load  submit `count` requests (ids 0..count-1), pipelined, and check that
//         every id is answered exactly once with the expected status and value
//   idle  report, then block in waitForResponse for `idleMs` with nothing to do

import { parentPort, workerData } from 'node:worker_threads';
import { ChannelClient, OP_GET, OP_PUT, type ChannelRequest, type ChannelResponse } from '../../../channel/channel.js';
import { expectedReply, requestFor } from './channel-protocol.js';

export interface ProducerData {
  sab: SharedArrayBuffer;
  lane: number;
  mode: 'load' | 'idle';
  count: number;
  idleMs: number;
}

export interface ProducerReport {
  lane: number;
  answered: number;
  duplicates: number;
  unknownIds: number;
  wrongAnswers: number;
  fullRejections: number;
  waitTimeouts: number;
  idleWaitResult?: boolean;
}

const data = workerData as ProducerData;
const client = new ChannelClient(data.sab, data.lane);

if (data.mode === 'idle') {
  parentPort!.postMessage({ ready: true });
  const got = client.waitForResponse(data.idleMs);
  parentPort!.postMessage(report({ idleWaitResult: got }));
} else {
  runLoad();
}

function report(extra: Partial<ProducerReport> = {}): ProducerReport {
  return {
    lane: data.lane,
    answered: 0,
    duplicates: 0,
    unknownIds: 0,
    wrongAnswers: 0,
    fullRejections: client.stats.fullRejections,
    waitTimeouts: 0,
    ...extra,
  };
}

function runLoad(): void {
  const timesAnswered = new Uint8Array(data.count);
  let answered = 0;
  let duplicates = 0;
  let unknownIds = 0;
  let wrongAnswers = 0;
  let waitTimeouts = 0;
  let next = 0;
  let held: ChannelRequest | undefined; // a request the ring refused, kept for the retry

  const check = (response: ChannelResponse): void => {
    if (response.id >= data.count) {
      unknownIds++;
      return;
    }
    if (timesAnswered[response.id]++ > 0) duplicates++;
    else answered++;
    const expected = expectedReply(requestFor(data.lane, response.id, [OP_GET, OP_PUT]));
    if (response.status !== expected.status || !sameBytes(response.value, expected.value ?? new Uint8Array(0))) wrongAnswers++;
  };

  while (answered < data.count && waitTimeouts < 10) {
    while (next < data.count) {
      held ??= requestFor(data.lane, next, [OP_GET, OP_PUT]);
      if (!client.trySubmit(held)) break;
      held = undefined;
      next++;
    }
    if (client.pollResponses(check) > 0) continue;
    const progressed = next < data.count ? client.waitForSpace(2000) : client.waitForResponse(2000);
    if (!progressed) waitTimeouts++;
  }
  parentPort!.postMessage(report({ answered, duplicates, unknownIds, wrongAnswers, waitTimeouts }));
  client.close();
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
