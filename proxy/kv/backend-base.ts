// What every backend does the same way: check arguments, count, log failures,
// and close only after the requests in flight have settled.
//
// A concrete backend implements read, write, remove and shutdown, and throws
// KvError with a descriptive message when the storage fails.

import { validateKey, validateValue, type BackendName, type KvBackend, type KvOperation, type KvStats } from './backend.js';
import { BackendStats } from './backend-stats.js';
import { KvError, isStorageFailure } from './errors.js';
import { FailureLog } from './failure-log.js';

export abstract class BackendBase implements KvBackend {
  abstract readonly name: BackendName;
  private readonly counters = new BackendStats();
  private readonly pending = new Set<Promise<unknown>>();
  private closing: Promise<void> | undefined;

  constructor(protected readonly failureLog: FailureLog = new FailureLog()) {}

  abstract describe(): string;
  protected abstract read(key: Buffer): Promise<Buffer | undefined>;
  protected abstract write(key: Buffer, value: Buffer): Promise<void>;
  protected abstract remove(key: Buffer): Promise<void>;
  /** Releases resources; called once, after every request has settled. */
  protected abstract shutdown(): Promise<void>;

  get(key: Buffer): Promise<Buffer | undefined> {
    return this.serve('get', () => {
      validateKey(key);
      return this.read(key);
    });
  }

  put(key: Buffer, value: Buffer): Promise<void> {
    return this.serve('put', () => {
      validateKey(key);
      validateValue(value);
      return this.write(key, value);
    });
  }

  delete(key: Buffer): Promise<void> {
    return this.serve('delete', () => {
      validateKey(key);
      return this.remove(key);
    });
  }

  close(): Promise<void> {
    this.closing ??= this.drainThenShutdown();
    return this.closing;
  }

  stats(): KvStats {
    return this.counters.snapshot();
  }

  private serve<T>(operation: KvOperation, work: () => Promise<T>): Promise<T> {
    this.counters.begin(operation);
    const request = this.runCounted(work);
    this.pending.add(request);
    void request.then(
      () => this.pending.delete(request),
      () => this.pending.delete(request),
    );
    return request;
  }

  private async runCounted<T>(work: () => Promise<T>): Promise<T> {
    try {
      if (this.closing) throw new KvError('closed', `${this.name} backend is closed`);
      return await work();
    } catch (error) {
      const failure = this.asKvError(error);
      this.counters.failed(failure.kind);
      if (isStorageFailure(failure.kind)) this.failureLog.report(failure.kind, failure.message);
      throw failure;
    } finally {
      this.counters.end();
    }
  }

  private asKvError(error: unknown): KvError {
    if (error instanceof KvError) return error;
    const detail = error instanceof Error ? error.message : String(error);
    return new KvError('unexpected', `${this.name} backend failed: ${detail}`, { cause: error });
  }

  private async drainThenShutdown(): Promise<void> {
    await Promise.allSettled([...this.pending]);
    await this.shutdown();
  }
}
