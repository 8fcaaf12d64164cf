// Runs tasks one after another per key and concurrently across keys.
//
// The s3 backend funnels every request for one key through here. That makes each
// key linearizable on any S3 implementation, whatever it promises, and keeps
// s3rver (which tears concurrent same-key reads) away from its weak spot.

export class KeyedQueue {
  /** Per key, a promise that settles when the last queued task has finished. */
  private readonly tails = new Map<string, Promise<void>>();

  /**
   * Runs task after every task queued earlier under key has finished. If signal
   * aborts while the task is still waiting, it is dropped and the returned promise
   * rejects with the signal's reason; a task already running is left to the
   * signal's other listeners (the S3 client aborts its request).
   */
  async run<T>(key: string, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    // Successors wait for this task and everything before it, even if this one is
    // abandoned early: the order of the queue never breaks.
    const tail = previous.then(() => finished);
    this.tails.set(key, tail);
    try {
      await waitUnlessAborted(previous, signal);
      return await task();
    } finally {
      finish();
      void tail.then(() => {
        if (this.tails.get(key) === tail) this.tails.delete(key);
      });
    }
  }

  /** Number of keys with queued or running tasks (for tests and statistics). */
  get activeKeys(): number {
    return this.tails.size;
  }
}

function waitUnlessAborted(turn: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return turn;
  signal.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    void turn.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
