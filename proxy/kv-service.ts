// The proxy's end of the device channel, run on the proxy's own thread (thread.ts).
// It opens the backend the user chose (lazily, on the first request, so programs
// that never use the store do not pay for starting an S3 server), answers requests concurrently, and
// turns every backend failure into -1 for the guest. It knows nothing of guest
// memory: requests arrive as plain byte arrays.
import { ChannelServer, STATUS, OP_DELETE, OP_GET, OP_PUT, type ServedRequest, type ChannelReply } from '../channel/channel.js';
import { openBackend, type KvBackend, type OpenBackendOptions } from './kv/index.js';

export class ProxyService {
  private backend: Promise<KvBackend> | undefined;
  private readonly server: ChannelServer;
  private openFailure: string | undefined;

  constructor(
    sab: SharedArrayBuffer,
    private readonly options: OpenBackendOptions,
    private readonly log: (line: string) => void,
  ) {
    this.server = new ChannelServer(sab, { onError: (e) => log(`unikv: kv channel: ${e.message}`) });
    void this.server.serve((request) => this.handle(request));
  }

  private async handle(request: ServedRequest): Promise<ChannelReply> {
    let backend: KvBackend;
    try {
      this.backend ??= openBackend(this.options);
      backend = await this.backend;
    } catch (e) {
      if (this.openFailure === undefined) {
        this.openFailure = (e as Error).message;
        this.log(`unikv: cannot open the ${this.options.backend} key-value backend: ${this.openFailure}; requests fail with -1`);
      }
      return { status: STATUS.NOT_FOUND };
    }
    const key = Buffer.from(request.key);
    try {
      switch (request.op) {
        case OP_GET: {
          const value = await backend.get(key);
          return value === undefined ? { status: STATUS.NOT_FOUND } : { status: STATUS.OK, value };
        }
        case OP_PUT:
          await backend.put(key, Buffer.from(request.value));
          return { status: STATUS.OK };
        case OP_DELETE:
          await backend.delete(key);
          return { status: STATUS.OK };
      }
    } catch {
      // The backend reported the failure once per kind on stderr; the guest sees -1.
    }
    return { status: STATUS.NOT_FOUND };
  }

  /** Peak requests the backend had in flight at once, if it was ever opened. */
  async peakInFlight(): Promise<number | undefined> {
    if (!this.backend) return undefined;
    try {
      return (await this.backend).stats().peakInFlight;
    } catch {
      return undefined;
    }
  }

  /** Stops serving, lets requests in flight finish and closes the backend. */
  async close(): Promise<void> {
    await this.server.stop();
    if (this.backend) {
      try {
        await (await this.backend).close();
      } catch {
        // already reported
      }
    }
  }
}
