// A port that does nothing: the floor of a hypercall round trip, for benchmarks.
import type { PortDevice } from '../port-bus.js';

export function nopDevice(): PortDevice {
  return { name: 'nop', write: () => {} };
}
