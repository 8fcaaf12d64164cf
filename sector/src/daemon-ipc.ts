// What the daemon tells `service start` over their IPC channel, and the defaults both
// sides agree on.

/** The service exits by itself after this long without a request. */
export const DEFAULT_IDLE_SECONDS = 300;

export type DaemonMessage = { type: 'ready'; pid: number; sectors: number; cacheBytes: number } | { type: 'error'; message: string };
