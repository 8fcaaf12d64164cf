// Keeps every value in a Map for the life of the process: the fastest backend,
// and the reference the others are tested against.

import { BackendBase } from './backend-base.js';
import type { FailureLog } from './failure-log.js';

export class MemoryBackend extends BackendBase {
  readonly name = 'memory' as const;
  // latin1 maps each byte to one UTF-16 unit and back, so it is a faithful and
  // cheap Map key for arbitrary bytes.
  private readonly values = new Map<string, Buffer>();

  constructor(failureLog?: FailureLog) {
    super(failureLog);
  }

  describe(): string {
    return 'memory (values are lost when the VMM exits)';
  }

  protected async read(key: Buffer): Promise<Buffer | undefined> {
    const value = this.values.get(key.toString('latin1'));
    // A copy, so a caller that scribbles on its result cannot change the store.
    return value === undefined ? undefined : Buffer.from(value);
  }

  protected async write(key: Buffer, value: Buffer): Promise<void> {
    // A copy, so a caller reusing its buffer cannot change the store either.
    this.values.set(key.toString('latin1'), Buffer.from(value));
  }

  protected async remove(key: Buffer): Promise<void> {
    this.values.delete(key.toString('latin1'));
  }

  protected async shutdown(): Promise<void> {
    this.values.clear();
  }
}
