// What the VMM and the proxy's thread say to each other besides key-value requests:
// the start-up data (the channel and the backend the user chose), the close command
// and the proxy's answer to it. Both sides import these types from here, so neither
// imports the other.

/** The key-value backends the proxy can open. */
export type BackendName = 'memory' | 'fs' | 's3';

/** The user's choice of backend, as the VMM's options give it. */
export interface BackendChoice {
  backend: BackendName;
  /** fs: the store's directory; s3 without an endpoint: the embedded server's data directory. */
  dir?: string;
  /** s3: an S3-compatible server; when absent the proxy starts an embedded one. */
  s3Endpoint?: string;
  /** s3: the bucket. */
  bucket?: string;
  /** s3: prepended to every object name. */
  prefix?: string;
}

/** The proxy thread's workerData. */
export interface ProxyThreadData {
  channel: SharedArrayBuffer;
  options: BackendChoice;
}

/** VMM -> proxy: finish the requests in flight, close the backend, report. */
export type ProxyCommand = { kind: 'close' };
/** Proxy -> VMM, in answer to close. */
export type ProxyReport = { kind: 'closed'; peakInFlight: number | undefined };
