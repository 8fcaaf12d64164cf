// What the channel's tests share: text helpers, waiting on the event loop, the echo handler.
import type { ChannelClient, ChannelReply, ChannelResponse, ServedRequest } from '../../../channel/channel.js';
import { expectedReply } from './channel-protocol.js';

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Lets the event loop run (server wake-ups, handler promises) until `done()`; throws after `timeoutMs`. */
export async function until(done: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Polls `client` from the event loop until `count` responses have arrived. */
export async function collect(client: ChannelClient, count: number, into: ChannelResponse[] = []): Promise<ChannelResponse[]> {
  await until(() => {
    client.pollResponses((r) => into.push(r));
    return into.length >= count;
  });
  return into;
}

export const echo = (request: ServedRequest): ChannelReply => expectedReply(request);

/** A ChannelReply as the client sees it (value always present). */
export function normalized(reply: ChannelReply): { status: number; value: Uint8Array } {
  return { status: reply.status, value: reply.value ?? new Uint8Array(0) };
}
