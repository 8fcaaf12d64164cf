// --publish [ADDR:]HOST_PORT:GUEST_PORT: which host address and port the VMM listens
// on for a guest port. Loopback unless an address is given ([::1]:8080:80 for IPv6).
import type { Publish } from '../../channel/net-messages.js';
import { OptionError } from '../options.js';

function port(text: string, spec: string, which: string): number {
  if (!/^\d+$/.test(text))
    throw new OptionError(`--publish ${spec}: ${which} port ${text === '' ? 'missing' : `${text} is not a number`} (expected [ADDR:]HOST_PORT:GUEST_PORT)`);
  const n = Number(text);
  if (n < 1 || n > 65535) throw new OptionError(`--publish ${spec}: ${which} port ${text} out of range (1-65535)`);
  return n;
}

export function parsePublish(spec: string): Publish {
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[^:[\]]+):)?([^:]*):([^:]*)$/.exec(spec);
  if (!m) throw new OptionError(`--publish ${spec}: expected [ADDR:]HOST_PORT:GUEST_PORT`);
  const host = m[1] === undefined ? '127.0.0.1' : m[1].replace(/^\[|\]$/g, '');
  return { host, hostPort: port(m[2], spec, 'host'), guestPort: port(m[3], spec, 'guest'), spec };
}
