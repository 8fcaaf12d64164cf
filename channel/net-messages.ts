// The messages between the emulation thread's socket table (vmm/net/) and the host
// network thread (proxy/net/thread.ts), which owns every real socket. Each side
// posts on a MessagePort; the network thread also bumps a shared counter (the
// doorbell) after each message so that the emulation thread can look without
// waiting and sleep on it when idle. Connections are named by ids: even ones the
// emulation thread chose (outbound connects), odd ones the network thread chose
// (connections accepted on a published port).

/** One published port: the host listens on host:hostPort and hands connections to guest port guestPort. */
export interface Publish {
  host: string;
  hostPort: number;
  guestPort: number;
  /** The option's text, for messages. */
  spec: string;
}

export interface NetThreadData {
  /** Int32Array over it: [0] counts messages posted to the emulation thread. */
  doorbell: SharedArrayBuffer;
  publish: Publish[];
}

/** Emulation thread -> network thread. */
export type NetCommand =
  | { op: 'connect'; id: number; host: string; port: number; family: 4 | 6 }
  | { op: 'write'; id: number; bytes: Uint8Array }
  | { op: 'end'; id: number }
  | { op: 'close'; id: number; reset: boolean }
  /** The emulation thread consumed n bytes of this connection: it may read on. */
  | { op: 'ack'; id: number; n: number }
  | { op: 'nodelay'; id: number; on: boolean }
  | { op: 'keepalive'; id: number; on: boolean }
  | { op: 'udp-open'; id: number; family: 4 | 6 }
  | { op: 'udp-send'; id: number; bytes: Uint8Array; host: string; port: number }
  | { op: 'udp-close'; id: number }
  /** The VM ended: finish every write, then say `drained`. */
  | { op: 'drain' };

/** Network thread -> emulation thread. */
export type NetEvent =
  | { ev: 'ready' }
  | { ev: 'refused'; message: string }
  | { ev: 'connected'; id: number; localAddress: string; localPort: number }
  | { ev: 'incoming'; id: number; guestPort: number; remoteAddress: string; remotePort: number; family: 4 | 6 }
  | { ev: 'data'; id: number; bytes: Uint8Array }
  | { ev: 'end'; id: number }
  /** Bytes the host socket took (flow control: they no longer count against the window). */
  | { ev: 'written'; id: number; n: number }
  /** The connection is gone; `error` is an errno name (ECONNREFUSED, ECONNRESET ...) when it failed. */
  | { ev: 'closed'; id: number; error?: string }
  | { ev: 'udp-data'; id: number; bytes: Uint8Array; address: string; port: number; family: 4 | 6 }
  | { ev: 'drained' };
