// Counters shared by every backend: requests, failures by kind, concurrency.

import type { FailureKind } from './errors.js';
import type { KvOperation, KvStats } from './backend.js';

export class BackendStats {
  private readonly requests: Record<KvOperation, number> = { get: 0, put: 0, delete: 0 };
  private readonly failures: Partial<Record<FailureKind, number>> = {};
  private inFlight = 0;
  private peakInFlight = 0;

  begin(operation: KvOperation): void {
    this.requests[operation] += 1;
    this.inFlight += 1;
    if (this.inFlight > this.peakInFlight) this.peakInFlight = this.inFlight;
  }

  end(): void {
    this.inFlight -= 1;
  }

  failed(kind: FailureKind): void {
    this.failures[kind] = (this.failures[kind] ?? 0) + 1;
  }

  snapshot(): KvStats {
    return {
      requests: { ...this.requests },
      failures: { ...this.failures },
      inFlight: this.inFlight,
      peakInFlight: this.peakInFlight,
    };
  }
}
